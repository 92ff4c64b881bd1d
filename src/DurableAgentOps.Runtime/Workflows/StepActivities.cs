using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Routing;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Drafting;
using DurableAgentOps.Runtime.Identity;
using Microsoft.DurableTask;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>Settings of governed runs.</summary>
public sealed class AgentOpsRunOptions
{
    public const string Section = "AgentOps";

    /// <summary>Which <c>clientIds</c> entry of identities.yaml steps use: <c>local</c> or an Azure environment.</summary>
    public string Environment { get; set; } = "local";

    /// <summary>
    /// Off only to show that the target systems enforce scope on their own (tests, demos). Never off in production:
    /// the host logs a warning at every step while it is.
    /// </summary>
    public bool ScopeGuardEnabled { get; set; } = true;

    /// <summary>
    /// Test hook (named as such): the id of a write step after whose first committed write this process kills itself,
    /// to prove a write is applied once when a host dies before the activity's result is saved.
    /// </summary>
    public string? TestKillAfterWriteStep { get; set; }
}

/// <summary>What every step activity shares: the guard, the clock for the record, the record itself.</summary>
public abstract partial class StepActivityBase(WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger logger)
    : TaskActivity<StepInvocation, StepRecord>
{
    protected AgentOpsRunOptions Options => options.Value;

    public override async Task<StepRecord> RunAsync(TaskActivityContext context, StepInvocation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        input = input with { ClientId = clientIds.Resolve(input.ClientId) };
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var (output, operations, records, usage) = await RunStepAsync(input);
        LogStep(logger, input.RunId, input.Step.Id, input.Identity.Name, string.Join(",", records));
        return new StepRecord(input.Step.Id, input.Step.Kind, input.Identity.Name, input.ClientId, input.Step.Scope,
            operations, records, started, (int)clock.ElapsedMilliseconds, "succeeded", worker.WorkerId, output, usage);
    }

    protected abstract Task<(JsonObject? Output, IReadOnlyList<string> Operations, IReadOnlyList<string> Records, ModelUsage? Usage)> RunStepAsync(
        StepInvocation input);

    /// <summary>Checks a call against the step's scope and the identity's grants before it leaves the process.</summary>
    protected void Guard(StepInvocation input, SystemCall call)
    {
        if (!Options.ScopeGuardEnabled)
        {
            LogGuardOff(logger, input.Step.Id, call.Operation);
            return;
        }

        ScopeGuard.Check(input.Step, input.Identity, call.Operation, call.Record, call.Fields);
    }

    [LoggerMessage(10, LogLevel.Information, "Run {RunId} step {StepId} done as {Identity}; records {Records}")]
    private static partial void LogStep(ILogger logger, string runId, string stepId, string identity, string records);

    [LoggerMessage(11, LogLevel.Warning, "Scope guard is OFF: step {StepId} sends {Operation} unchecked (AgentOps:ScopeGuardEnabled=false)")]
    private static partial void LogGuardOff(ILogger logger, string stepId, string operation);
}

/// <summary>A read step: one read operation under a reader identity.</summary>
public sealed class ReadStepActivity(SystemClient systems, WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<ReadStepActivity> logger)
    : StepActivityBase(worker, clientIds, options, logger)
{
    public const string Name = nameof(ReadStepActivity);

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var call = ConnectorOperations.Build(input.Step.Operation!, input.Data);
        Guard(input, call);
        var result = await systems.SendAsync(call, input.ClientId, idempotencyKey: null, CancellationToken.None);
        var output = result as JsonObject ?? new JsonObject { ["items"] = result?.DeepClone() };
        return (output, [call.Operation], call.Record is null ? [] : [call.Record.Id], null);
    }
}

/// <summary>A draft step: the model writes from the data, under the drafter identity, which holds no business grant.</summary>
public sealed class DraftStepActivity(
    DraftModel model, StepCredentials credentials, WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<DraftStepActivity> logger)
    : StepActivityBase(worker, clientIds, options, logger)
{
    public const string Name = nameof(DraftStepActivity);

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        // The model is called under the drafter's own identity and no other. The offline drafter needs no token, but
        // asking for one still proves the identity exists and is the drafter's.
        var chat = model.For(credentials.For(input.ClientId));
        if (model.IsOffline)
        {
            await credentials.GetTokenAsync(input.ClientId, input.Step.System ?? "model", CancellationToken.None);
        }

        var messages = DraftPrompt.Build(input);
        var response = await chat.GetResponseAsync(messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json });
        var output = JsonNode.Parse(response.Text) as JsonObject
            ?? throw new StepRefusedException($"the model's draft is not a JSON object: {response.Text[..Math.Min(120, response.Text.Length)]}");
        var usage = new ModelUsage(response.ModelId ?? "unknown", string.Join("\n\n", messages.Select(m => m.Text)),
            response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0);
        return (output, [input.Step.Operation ?? "model.completions.create"], [], usage);
    }
}

/// <summary>A route step: deterministic rules over the data choose a queue or a gate; it calls no system.</summary>
public sealed class RouteStepActivity(WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<RouteStepActivity> logger)
    : StepActivityBase(worker, clientIds, options, logger)
{
    public const string Name = nameof(RouteStepActivity);

    protected override Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var decision = Router.Choose(input.Step, input.Data);
        var output = new JsonObject { ["to"] = decision.To, ["gate"] = decision.Gate, ["matchedWhen"] = decision.MatchedWhen };
        return Task.FromResult<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)>((output, [], [], null));
    }
}

/// <summary>
/// A write step: each write operation in the step's scope that the draft gave content for, under the writer
/// identity, with an idempotency key per run, step and operation, because activities run at least once.
/// </summary>
public sealed class WriteStepActivity(SystemClient systems, WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<WriteStepActivity> logger)
    : StepActivityBase(worker, clientIds, options, logger)
{
    public const string Name = nameof(WriteStepActivity);

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        var calls = input.Step.Scope.Operations.DefaultIfEmpty(input.Step.Operation!)
            .Where(ConnectorOperations.IsKnown)
            .Select(op => TryBuild(op, input.Data, op == input.Step.Operation))
            .OfType<SystemCall>()
            .ToList();

        // Guard every call before any is sent: a refusal must leave the system untouched.
        calls.ForEach(call => Guard(input, call));
        var output = new JsonObject();
        foreach (var call in calls)
        {
            var key = $"{input.RunId}:{input.Step.Id}:{call.Operation}";
            output[call.Operation] = (await systems.SendAsync(call, input.ClientId, key, CancellationToken.None))?.DeepClone();
            if (Options.TestKillAfterWriteStep == input.Step.Id)
            {
                Environment.FailFast($"test hook: killed after committing {call.Operation} of step {input.Step.Id}");
            }
        }

        return (output, calls.Select(c => c.Operation).ToList(), calls.Select(c => c.Record!.Id).Distinct().ToList(), null);
    }

    /// <summary>The step's main operation must be buildable; extra scope operations run only when the draft has content for them.</summary>
    private static SystemCall? TryBuild(string operation, JsonObject data, bool required)
    {
        try
        {
            return ConnectorOperations.Build(operation, data);
        }
        catch (StepRefusedException) when (!required)
        {
            return null;
        }
    }
}

/// <summary>The prompt a draft step sends: instructions by workflow, and the data the step may use, as JSON.</summary>
public static class DraftPrompt
{
    public const string DataMarker = "DATA:";

    public static IList<ChatMessage> Build(StepInvocation input) =>
    [
        new(ChatRole.System,
            $"You draft the '{input.Step.Id}' step of the '{input.Workflow}' workflow. {input.Step.Description} " +
            "Answer with one JSON object only. Include a 'target' object naming the record the change applies to."),
        new(ChatRole.User, $"{DataMarker}\n{input.Data.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}"),
    ];
}
