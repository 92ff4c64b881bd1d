using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Replay;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Replay;

/// <summary>
/// The replay API, written once for both hosts: today's orchestrator code against a run's recorded Durable history
/// (while the instance exists), else its evidence ledger, or against an exported evidence bundle. Readers (and
/// administrators) only, as for the evidence it reads. Today's definition is the workflow file the host would start a
/// run from; <c>?definition=recorded</c> replays the run's own, so only code changes show.
/// </summary>
internal static class ReplayEndpoints
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("ReplayRun", "GET", "/api/runs/{runId}/replay", AgentOpsPolicies.Investigator, RunAsync, new GuardedAction("Replay")),
        new("ReplayBundle", "POST", "/api/replay", AgentOpsPolicies.Investigator, BundleAsync, new GuardedAction("Replay")),
    ];

    /// <summary>Largest bundle <c>POST /api/replay</c> reads (bundles carry every record and payload of a run); past it, 413.</summary>
    public const int MaxBundleBytes = 4 * 1024 * 1024;

    public const string SourceHistory = "history";
    public const string SourceLedger = "ledger";
    public const string SourceBundle = "bundle";

    private static readonly JsonSerializerOptions Json = new(ApiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    /// <summary><c>GET /api/runs/{runId}/replay[?definition=recorded]</c></summary>
    private static async Task<IResult> RunAsync(
        string runId, HttpRequest request, ClaimsPrincipal user, [FromServices] DurableTaskClient client, [FromServices] EvidenceLedger ledger,
        [FromServices] WorkflowCatalog catalog, [FromServices] ILoggerFactory logs, CancellationToken ct)
    {
        var choice = DefinitionChoice(request, out var recorded);
        if ((ApiResults.InvalidId(runId, "runId") ?? choice) is { } bad)
        {
            return bad;
        }

        var notes = new List<string>();
        RecordedRun? run;
        string source;
        try
        {
            (run, source) = await FromHistoryAsync(client, runId, notes, ct) is { } fromHistory
                ? (fromHistory, SourceHistory)
                : (await FromLedgerAsync(ledger, runId, ct), SourceLedger);
        }
        catch (InvalidDataException ex)
        {
            return Unreplayable(runId, ex.Message);
        }

        if (run is null && notes.Count > 0)
        {
            return Unreplayable(runId, "this host cannot read its Durable history, and the evidence ledger has no record of it");
        }

        if (run is null)
        {
            return Results.Problem($"No run '{runId}' to replay: no Durable history holds it and the evidence ledger has no record of it.",
                statusCode: 404, title: "Not found.");
        }

        return Answer(catalog, logs, user.ToCaller().Id, run, source, recorded, notes);
    }

    /// <summary>
    /// <c>POST /api/replay[?definition=recorded]</c> with an exported evidence bundle as the body (its exact text: the
    /// bundle verifies only in its canonical form). A bundle that does not verify is refused (422, its first problem).
    /// </summary>
    private static async Task<IResult> BundleAsync(
        HttpRequest request, ClaimsPrincipal user, [FromServices] EvidenceKeys keys, [FromServices] WorkflowCatalog catalog, [FromServices] ILoggerFactory logs,
        CancellationToken ct)
    {
        if (DefinitionChoice(request, out var recorded) is { } bad)
        {
            return bad;
        }

        var (text, invalid) = await ReadBundleTextAsync(request, ct);
        if (text is null)
        {
            return invalid!;
        }

        // Against this host's own key: a bundle re-signed with another key (its data rewritten) is not this host's evidence.
        var hostKey = await keys.PublicKeyAsync(ct);
        var verification = EvidenceBundle.Verify(text, hostKey);
        if (verification.First is { } problem || !EvidenceBundle.TryParse(text, out var bundle, out _))
        {
            var first = verification.First?.Message ?? "not an evidence bundle";
            return Results.Problem($"The evidence bundle does not verify, so it is not replayed: {first}", statusCode: 422, title: "Broken evidence bundle.",
                extensions: new Dictionary<string, object?> { ["problem"] = verification.First is { } p ? new { kind = p.Kind, p.Message, p.Seq } : null });
        }

        RecordedRun run;
        try
        {
            RefuseEvidenceOff(bundle.Records);
            run = RecordedRun.FromEvidence(bundle.Records.Select(r => r.Record!), bundle.Payloads);
        }
        catch (InvalidDataException ex)
        {
            return Unreplayable(bundle.RunId, ex.Message);
        }

        return Answer(catalog, logs, user.ToCaller().Id, run, SourceBundle, recorded, []);
    }

    /// <summary>The run's history while its instance exists (null when it does not, or when this host's client cannot read histories).</summary>
    private static async Task<RecordedRun?> FromHistoryAsync(DurableTaskClient client, string runId, List<string> notes, CancellationToken ct)
    {
        var instance = await client.GetInstanceAsync(runId, getInputsAndOutputs: false, ct);
        if (instance is null || instance.Name != AgentWorkflowOrchestrator.Name)
        {
            return null;
        }

        try
        {
            return RecordedRun.FromHistory(await client.GetOrchestrationHistoryAsync(runId, ct));
        }
        catch (Exception ex) when (ex is NotSupportedException or NotImplementedException or InvalidOperationException || ex.GetType().Name == "RpcException")
        {
            // The Functions host's client reads histories over gRPC, where the backend may not offer it.
            notes.Add($"this host's durable client could not read the run's history ({ex.GetType().Name}): the run was replayed from its evidence ledger");
            return null;
        }
        catch (ArgumentException)
        {
            return null; // purged between the two calls
        }
    }

    private static async Task<RecordedRun?> FromLedgerAsync(EvidenceLedger ledger, string runId, CancellationToken ct)
    {
        if (await ledger.ReadRunAsync(runId, ct) is not { Records.Count: > 0 } stored)
        {
            return null;
        }

        if (stored.Records.FirstOrDefault(r => r.Record is null) is { } malformed)
        {
            throw new InvalidDataException($"a record of the run's evidence is malformed ({malformed.Malformed}): verify the run (agentops verify)");
        }

        RefuseEvidenceOff(stored.Records);
        var records = stored.Records.Select(r => r.Record!).ToList();
        var payloads = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var digest in records.SelectMany(r => EvidencePayload.ReferencesIn(r.Data)).Distinct(StringComparer.Ordinal))
        {
            if (await ledger.PayloadAsync(runId, digest, ct) is { } bytes)
            {
                payloads[digest] = bytes;
            }
        }

        return RecordedRun.FromEvidence(records, payloads);
    }

    /// <summary>A run started with evidence off recorded its start only: there are no decisions to replay, and saying so beats a divergence.</summary>
    private static void RefuseEvidenceOff(IEnumerable<StoredRecord> records)
    {
        if (RunGovernance.Off(records).Contains(GovernanceSwitches.Evidence, StringComparer.Ordinal))
        {
            throw new InvalidDataException("the run was started with evidence off: its ledger holds its start only, so there is nothing to replay from it");
        }
    }

    private static IResult Answer(
        WorkflowCatalog catalog, ILoggerFactory logs, string principalId, RecordedRun run, string source, bool recordedDefinition, List<string> notes)
    {
        var workflow = run.Input?["workflow"] is System.Text.Json.Nodes.JsonValue name && name.TryGetValue<string>(out var text) ? text : string.Empty;
        var today = TodaysDefinition(catalog, workflow, out var why);
        if (today is null && !recordedDefinition)
        {
            return Results.Problem(
                $"Today's workflow files have no usable definition of '{workflow}' ({why}): replay against the run's own with ?definition=recorded (agentops replay --recorded-definition).",
                statusCode: 409, title: "No definition to replay against.");
        }

        ReplayReport report;
        try
        {
            report = Replayer.Replay(run, new ReplayOptions { CurrentDefinition = today, UseRecordedDefinition = recordedDefinition });
        }
        catch (ArgumentException ex)
        {
            return Unreplayable(run.InstanceId, ex.Message);
        }

        if (notes.Count > 0)
        {
            report = report with { Notes = [.. notes, .. report.Notes] };
        }

        var logger = logs.CreateLogger(typeof(ReplayEndpoints).FullName!);
        logger.Replayed(run.InstanceId, source, recordedDefinition ? "the run's own" : "today's", principalId,
            report.Divergence is { } d ? $"diverges at #{d.Index} ({d.KindText})" : "same decisions");
        return Results.Json(new
        {
            runId = run.InstanceId,
            source,
            sameDecisions = report.SameDecisions,
            definition = recordedDefinition ? "recorded" : "current",
            compared = report.Compared,
            divergence = report.Divergence,
            report,
            text = $"source: {source}\n" + report.ToText(),
        }, Json);
    }

    /// <summary>Today's snapshot of the workflow, as a run would start from it; null (with why) when there is none that validates.</summary>
    private static WorkflowSnapshot? TodaysDefinition(WorkflowCatalog catalog, string workflow, out string why)
    {
        why = string.Empty;
        try
        {
            var loaded = catalog.Find(workflow);
            if (loaded is null)
            {
                why = "no file declares it";
                return null;
            }

            if (loaded.HasErrors)
            {
                why = "its file has validation errors";
                return null;
            }

            return loaded.ToSnapshot();
        }
        catch (Exception ex) when (ex is IOException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            why = "the workflow folder cannot be read";
            return null;
        }
    }

    private static IResult? DefinitionChoice(HttpRequest request, out bool recorded)
    {
        var value = request.Query["definition"].ToString();
        recorded = value == "recorded";
        return value is "" or "recorded" or "current"
            ? null
            : ApiResults.BadRequest("'definition' must be 'recorded' (the run's own definition) or 'current' (today's, the default).");
    }

    /// <summary>The body as text: JSON only (415), at most <see cref="MaxBundleBytes"/> (413), UTF-8 (400).</summary>
    private static async Task<(string? Text, IResult? Invalid)> ReadBundleTextAsync(HttpRequest request, CancellationToken ct)
    {
        if (!request.HasJsonContentType())
        {
            return (null, Results.Problem("Send the evidence bundle as application/json.", statusCode: 415, title: "Unsupported media type."));
        }

        if (request.ContentLength > MaxBundleBytes)
        {
            return (null, TooLarge());
        }

        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBundleBytes)
            {
                return (null, TooLarge());
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, ApiResults.BadRequest("The body must be an evidence bundle (agentops export writes one); it is empty."));
        }

        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, ApiResults.BadRequest("The body is not UTF-8 text."));
        }
    }

    private static IResult TooLarge() =>
        Results.Problem($"The evidence bundle is over {MaxBundleBytes} bytes, the limit of this API.", statusCode: 413, title: "Request body too large.");

    private static IResult Unreplayable(string runId, string why) =>
        Results.Problem($"Run '{runId}' cannot be replayed: {why}", statusCode: 422, title: "Cannot replay.");
}
