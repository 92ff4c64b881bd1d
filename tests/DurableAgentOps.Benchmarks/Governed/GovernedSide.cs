using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Benchmarks.Governed;

/// <summary>
/// The product, driven as its users drive it: runs start through the host's API with a signed-in starter's token, and
/// each approval is the approval page's POST through the link the host mailed. The driver watches the host's task hub
/// with the same list query the bare side's poller makes (it reads; it never writes there), so both sides are
/// observed alike. Runs get the ids the host gives them; the driver's ids map to them.
/// </summary>
internal sealed class GovernedSide : IBenchSide
{
    private const string WaitingPhase = "awaiting-approval";

    private readonly GovernedOptions options;
    private readonly HttpClient api;
    private readonly AzureStorageOrchestrationService observer;
    private readonly MailLinks mail;
    private ApproverBrowser approver;
    private readonly SemaphoreSlim approving;
    private readonly ConcurrentDictionary<string, string> runIds = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> benchIds = new(StringComparer.Ordinal);

    public GovernedSide(GovernedOptions options, string connectionString, ILoggerFactory loggerFactory)
    {
        this.options = options;
        api = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromSeconds(120) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.StarterToken);
        observer = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.HubName,
            StorageAccountClientProvider = new StorageAccountClientProvider(connectionString),
            LoggerFactory = loggerFactory,
        });
        mail = new MailLinks(options.Smtp4dev, options.ApproverEmail);
        approver = new ApproverBrowser(options.ApproverEmail);
        approving = new SemaphoreSlim(options.ApprovalParallelism);
    }

    public string Name => "governed";

    public string HubName => options.HubName;

    /// <summary>When each run's approval POST went out (UTC), for the POST -> write figure read after the batch.</summary>
    public ConcurrentDictionary<string, DateTimeOffset> PostedAt { get; } = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellation) => Task.CompletedTask;

    public async Task ScheduleAsync(string instanceId, CancellationToken cancellation)
    {
        using var answer = await api.PostAsJsonAsync($"api/workflows/{options.Workflow}/runs", new { input = options.Input }, cancellation);
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"starting {options.Workflow} was refused: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync(cancellation)}");
        }

        var runId = (await answer.Content.ReadFromJsonAsync<JsonObject>(cancellation))!["runId"]!.GetValue<string>();
        runIds[instanceId] = runId;
        benchIds[runId] = instanceId;
    }

    public async Task<IReadOnlyList<InstanceSnapshot>> QueryRunningAsync(string prefix, CancellationToken cancellation)
    {
        var query = new DurableTask.Core.Query.OrchestrationQuery
        {
            RuntimeStatus = [OrchestrationStatus.Running],
            InstanceIdPrefix = options.Workflow + "-",
            PageSize = 1000,
            FetchInputsAndOutputs = false,
        };
        var found = new List<InstanceSnapshot>();
        do
        {
            var page = await observer.GetOrchestrationWithQueryAsync(query, cancellation);
            found.AddRange(page.OrchestrationState
                .Where(s => benchIds.TryGetValue(s.OrchestrationInstance.InstanceId, out var id) && id.StartsWith(prefix, StringComparison.Ordinal))
                .Select(ToSnapshot));
            query.ContinuationToken = page.ContinuationToken;
        }
        while (query.ContinuationToken is not null);

        return found;
    }

    public async Task<InstanceSnapshot?> GetAsync(string instanceId, CancellationToken cancellation)
    {
        if (!runIds.TryGetValue(instanceId, out var runId))
        {
            return null;
        }

        var states = await observer.GetOrchestrationStateAsync(runId, allExecutions: false, fetchInput: false);
        return states.Count == 0 || states[0] is null ? null : ToSnapshot(states[0]);
    }

    /// <summary>
    /// Starts a new approver session: the approval pages' sign-in lasts 30 minutes (not sliding), and parking a
    /// thousand runs on Azurite can take longer, so the approvals of a parked load sign in afresh rather than on a
    /// session that ran out while the runs parked.
    /// </summary>
    public void BeginApproverSession()
    {
        var expired = approver;
        approver = new ApproverBrowser(options.ApproverEmail);
        expired.Dispose();
    }

    public async Task RaiseApprovalAsync(string instanceId, CancellationToken cancellation)
    {
        var runId = runIds[instanceId];
        var link = await mail.LinkForAsync(runId, cancellation);
        await approving.WaitAsync(cancellation);
        try
        {
            PostedAt[runId] = await approver.ApproveAsync(link, cancellation);
        }
        finally
        {
            approving.Release();
        }
    }

    /// <summary>The write step's end as the run reports it (its start plus its duration, the host's clock), per run.</summary>
    public async Task<IReadOnlyList<double>> PostToWriteMsAsync(IEnumerable<string> instanceIds, CancellationToken cancellation)
    {
        var samples = new List<double>();
        foreach (var instanceId in instanceIds)
        {
            var runId = runIds[instanceId];
            var status = await api.GetFromJsonAsync<JsonObject>($"api/runs/{runId}", cancellation);
            var write = status?["steps"]?.AsArray().LastOrDefault(s => s?["kind"]?.GetValue<string>() == "write");
            if (write is null || !PostedAt.TryGetValue(runId, out var posted))
            {
                continue;
            }

            var ended = StepEnd(write);
            samples.Add((ended - posted).TotalMilliseconds);
        }

        return samples;
    }

    /// <summary>
    /// When each run reached its gate (the end of its last step before the first write) and when it last changed (its
    /// end, once completed), by the host's own clock, read from the run's status: pauses measured from these do not
    /// depend on how long the benchmark's polls take.
    /// </summary>
    public async Task<IReadOnlyList<(DateTimeOffset? AtGate, DateTimeOffset LastUpdated)>> HostTimesAsync(IEnumerable<string> instanceIds, CancellationToken cancellation)
    {
        var times = new ConcurrentBag<(DateTimeOffset?, DateTimeOffset)>();
        await Parallel.ForEachAsync(instanceIds, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (instanceId, ct) =>
        {
            var status = await api.GetFromJsonAsync<JsonObject>($"api/runs/{runIds[instanceId]}", ct);
            var beforeGate = status?["steps"]?.AsArray().TakeWhile(s => s?["kind"]?.GetValue<string>() != "write").ToList() ?? [];
            DateTimeOffset? atGate = beforeGate.Count == 0
                ? null
                : beforeGate.Max(s => StepEnd(s!));
            times.Add((atGate, status!["lastUpdatedAt"]!.GetValue<DateTimeOffset>()));
        });
        return [.. times];
    }

    /// <summary>A step's end as its run reports it: its start plus its duration, by the host's clock.</summary>
    private static DateTimeOffset StepEnd(JsonNode step) =>
        step["startedAt"]!.GetValue<DateTimeOffset>().AddMilliseconds(step["durationMs"]!.GetValue<double>());

    /// <summary>The host's run ids for the driver's ids.</summary>
    public IEnumerable<string> RunIdsOf(IEnumerable<string> instanceIds) => instanceIds.Select(id => runIds[id]);

    /// <summary>Tokens the dev identity endpoint issued so far, over every identity (the step identities' token requests).</summary>
    public async Task<int> TokenRequestsAsync(CancellationToken cancellation)
    {
        using var dev = new HttpClient { BaseAddress = options.DevServices };
        var counts = await dev.GetFromJsonAsync<JsonArray>("_dev/token-requests", cancellation);
        return counts?.Sum(c => c?["requests"]?.GetValue<int>() ?? 0) ?? 0;
    }

    /// <summary>The host's resident memory and CPU time so far, from /proc.</summary>
    public (double RssMb, double CpuSeconds) HostUsage() => ProcessUsage.Of(options.HostPid);

    // The host's runs stay: their evidence outlives history, and purging them through storage would bypass the
    // product's own purge; batches meet the same storage on both sides only approximately (noted in the report).
    public Task PurgeFinishedAsync() => Task.CompletedTask;

    public Task StopAndDeleteAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        api.Dispose();
        observer.Dispose();
        mail.Dispose();
        approver.Dispose();
        approving.Dispose();
        return ValueTask.CompletedTask;
    }

    private InstanceSnapshot ToSnapshot(OrchestrationState state) => new(
        benchIds[state.OrchestrationInstance.InstanceId],
        state.OrchestrationStatus switch
        {
            OrchestrationStatus.Pending => RunState.Pending,
            OrchestrationStatus.Running or OrchestrationStatus.ContinuedAsNew or OrchestrationStatus.Suspended => RunState.Running,
            OrchestrationStatus.Completed => RunState.Completed,
            _ => RunState.Failed,
        },
        IsWaiting(state.Status) ? Shape.WaitingStatus : state.Status,
        DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc));

    /// <summary>The run's custom status names the phase; at the gate it is waiting, as the bare side's "waiting".</summary>
    private static bool IsWaiting(string? customStatus)
    {
        if (string.IsNullOrEmpty(customStatus))
        {
            return false;
        }

        try
        {
            using var status = JsonDocument.Parse(customStatus);
            return status.RootElement.ValueKind == JsonValueKind.Object
                && status.RootElement.TryGetProperty("phase", out var phase) && phase.GetString() == WaitingPhase;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>Resident memory and CPU time of a process on this machine, read from /proc (Linux).</summary>
internal static class ProcessUsage
{
    public static (double RssMb, double CpuSeconds) Of(int pid)
    {
        if (pid <= 0 || !File.Exists($"/proc/{pid}/status"))
        {
            return (double.NaN, double.NaN);
        }

        var rssKb = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        // /proc/<pid>/stat: after the command name in parentheses, utime and stime are fields 14 and 15 (clock ticks).
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        return (double.Parse(rssKb, System.Globalization.CultureInfo.InvariantCulture) / 1024, ticks / 100.0);
    }
}
