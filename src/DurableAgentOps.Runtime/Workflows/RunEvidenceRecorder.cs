using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// The orchestration's side of the evidence ledger: it numbers each record as the run makes it (so appends are
/// idempotent under retries and replays) and keeps the run's index. Runs started with <see cref="RunLogic.CarriedEvidence"/>
/// hand what they recorded to the next activity they call (<see cref="CallAsync"/>), which appends it before its own work,
/// and call <see cref="AppendEvidenceActivity"/> only where nothing follows to carry it: before a gate's wait and at the
/// run's end. Earlier runs append at every checkpoint, as they did (so they replay unchanged). Deterministic: the data
/// comes from activity results and the orchestration's clock only. With evidence off (a Development host), a run still
/// records its start, saying so, under a final head: an investigator sees that it ran without evidence.
/// </summary>
internal sealed class RunEvidenceRecorder(RunRequest run)
{
    private static readonly TaskOptions AppendRetry = TaskOptions.FromRetryPolicy(new Microsoft.DurableTask.RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(30)));

    private readonly List<EvidenceEntry> pending = [];
    private readonly List<PrincipalRef> approvers = [];
    private readonly SortedSet<string> identities = new(StringComparer.Ordinal);
    private readonly SortedSet<string> writes = new(StringComparer.Ordinal);
    private readonly SortedSet<string> records = new(StringComparer.Ordinal);
    private long nextSeq;
    private DateTimeOffset? started;
    private string retention = string.Empty;
    private string status = "running";
    private DateTimeOffset? ended;
    private bool startKept;
    private bool pendingToLog;

    public bool Enabled => run.Evidence;

    /// <summary>Whether records ride on the next activity (runs started with <see cref="RunLogic.CarriedEvidence"/> or later).</summary>
    private bool Carrying => Enabled && run.LogicVersion >= RunLogic.CarriedEvidence;

    /// <summary>
    /// Evidence off for a run that records it (<see cref="RunRequest.GovernanceOff"/> set): its run-start record is all
    /// it keeps. Runs started before that was recorded keep nothing, as they did (their histories replay unchanged).
    /// </summary>
    private bool StartOnly => !run.Evidence && run.GovernanceOff is not null;

    public void Start(TaskOrchestrationContext context, WorkflowSnapshot? snapshot, DefinitionRef definition)
    {
        started = At(context);
        retention = snapshot?.Definition.Evidence.Retention ?? string.Empty;
        if (StartOnly)
        {
            status = "unrecorded"; // its index row can never say how it ended
        }

        var data = new JsonObject
        {
            ["workflow"] = run.Workflow,
            ["definitionSha256"] = run.DefinitionSha256,
            ["definitionLoaded"] = snapshot is not null,
            ["environment"] = run.Environment,
            ["initiator"] = EngineJson.ToNode(run.Initiator),
            ["input"] = run.Input.DeepClone(),
            ["inputDigest"] = EngineJson.Digest(run.Input),
            ["call"] = Call(LoadDefinitionActivity.Name, definition, snapshot),
        };
        if (run.GovernanceOff is { Count: > 0 } off)
        {
            data["governanceOff"] = EngineJson.ToNode(off); // only then: a governed run's record is as it always was
        }

        if (run.LogicVersion != RunLogic.Original)
        {
            data["logicVersion"] = run.LogicVersion; // replay from the ledger takes the path the run took
        }

        Add(context, "run-start", data);
    }

    public void Step(TaskOrchestrationContext context, StepInvocation invocation, StepRecord record, IdentityDefinition identity)
    {
        identities.Add(record.Identity);
        records.UnionWith(record.Records);
        if (record.Kind == StepKind.Write)
        {
            writes.UnionWith(record.Records.Select(r => $"{record.Identity}:{r}"));
        }

        var grant = invocation.Step.System is { } system ? identity.GrantFor(system) : null;
        var step = new JsonObject
        {
            ["stepId"] = record.StepId,
            ["identity"] = record.Identity,
            ["clientId"] = record.ClientId,
            ["declaredScope"] = EngineJson.ToNode(record.Scope),
            ["grantedScope"] = EngineJson.ToNode(grant),
            ["operations"] = EngineJson.ToNode(record.Operations),
            ["records"] = EngineJson.ToNode(record.Records),
            ["outcome"] = record.Outcome,
            ["worker"] = record.Worker,
            ["startedAt"] = record.StartedAt,
            ["durationMs"] = record.DurationMs,
            ["outputDigest"] = EngineJson.Digest(record.Output),
            ["modelUsage"] = EngineJson.ToNode(record.ModelUsage),
            ["call"] = Call(AgentWorkflowOrchestrator.ActivityFor(record.Kind), invocation, record),
        };

        // A delegated step names both principals, as the token it called with did; absent for a service identity, so
        // every other step's record is what it always was.
        if (record.ActedFor is { } acted)
        {
            step["actedFor"] = EngineJson.ToNode(acted);
        }

        Add(context, "step", step);
    }

    public void Refusal(TaskOrchestrationContext context, RunFailure failure, string? activity = null, object? input = null) =>
        Add(context, "refusal", new JsonObject
        {
            ["stepId"] = failure.Step,
            ["identity"] = failure.Identity,
            ["reason"] = failure.Reason,
            ["call"] = activity is null ? null : Call(activity, input, null, failure.Reason),
        });

    /// <summary>
    /// One failed attempt of a whole write (<see cref="RunLogic.ResumableWrites"/>), with the failure as the orchestrator
    /// read it (type, message, causes): what it decides next (retry, park, fail) comes from that, so replay from the
    /// ledger needs it whole. <paramref name="retryAt"/> is when the next attempt is due, if one is.
    /// </summary>
    public void WriteAttempt(TaskOrchestrationContext context, string stepId, int attempt, StepInvocation invocation, TaskFailureDetails failure, DateTime? retryAt)
    {
        var call = Call(WriteStepActivity.Name, invocation, null, $"{failure.ErrorType}: {failure.ErrorMessage}");
        call["failureDetails"] = FailureNode(failure);
        Add(context, "write-attempt", new JsonObject
        {
            ["stepId"] = stepId,
            ["attempt"] = attempt,
            ["retryAt"] = retryAt is { } at ? DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null,
            ["call"] = call,
        });
    }

    public void Gate(TaskOrchestrationContext context, string kind, JsonObject data, string? activity = null, object? input = null, object? result = null)
    {
        if (activity is not null)
        {
            data["call"] = Call(activity, input, result);
        }

        Add(context, kind, data);
    }

    public void Decision(TaskOrchestrationContext context, ApprovalRecord record, DecisionCheckRequest? check, DecisionCheck? result, JsonNode? payload)
    {
        if (record.Counted == "counted" && record.Approver is { } approver && approvers.All(a => a.Id != approver.Id))
        {
            approvers.Add(approver);
        }

        var data = (JsonObject)EngineJson.ToNode(record)!;
        data["event"] = Bounded(payload);
        if (check is not null)
        {
            data["call"] = Call(VerifyDecisionActivity.Name, check, result);
        }

        Add(context, record.Approver is null ? "ignored-event" : "decision", data);
    }

    public void End(TaskOrchestrationContext context, string outcome, RunFailure? failure)
    {
        status = outcome;
        ended = At(context);
        Add(context, "run-end", new JsonObject { ["outcome"] = outcome, ["failure"] = EngineJson.ToNode(failure) });
    }

    /// <summary>
    /// A point where the run must be provable from here on. Carried: the records wait for the next activity, unless the
    /// run is about to wait (<paramref name="beforeWait"/>: a gate can wait for days, and its ledger must show it opened).
    /// Otherwise they are appended now.
    /// </summary>
    public Task CheckpointAsync(TaskOrchestrationContext context, bool toLog = false, bool beforeWait = false)
    {
        if (Carrying && !beforeWait)
        {
            pendingToLog |= toLog;
            return Task.CompletedTask;
        }

        return FlushAsync(context, toLog: toLog);
    }

    /// <summary>
    /// Calls an activity with what is pending riding on its input (<paramref name="input"/> is given the batch, or null):
    /// the activity appends it before its own work. If the activity fails, the batch may or may not be in the ledger, so
    /// it goes again with the next append (same sequence numbers, so an append that did happen is found, not doubled).
    /// </summary>
    public async Task<TResult> CallAsync<TResult>(TaskOrchestrationContext context, string activity, Func<EvidenceBatch?, object> input, TaskOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var batch = Carrying && pending.Count > 0 ? Take(context, final: false, toLog: false) : null;
        try
        {
            return await context.CallActivityAsync<TResult>(activity, input(batch), options);
        }
        catch (TaskFailedException)
        {
            if (batch is not null)
            {
                pending.InsertRange(0, batch.Entries);
                nextSeq = batch.FirstSeq;
                pendingToLog |= batch.ToLog;
            }

            throw;
        }
    }

    /// <summary>Hands what was recorded to the ledger now; the run fails if its evidence cannot be kept (fail closed).</summary>
    public async Task FlushAsync(TaskOrchestrationContext context, bool final = false, bool toLog = false)
    {
        if (StartOnly && !startKept && pending.Count > 0)
        {
            // The run-start record alone, final and logged: nothing will follow it.
            startKept = true;
            (final, toLog) = (true, true);
        }
        else if (!Enabled || (pending.Count == 0 && !final))
        {
            return;
        }

        await context.CallActivityAsync<long>(AppendEvidenceActivity.Name, Take(context, final, toLog), AppendRetry);
    }

    private EvidenceBatch Take(TaskOrchestrationContext context, bool final, bool toLog)
    {
        var batch = new EvidenceBatch(run.RunId, nextSeq, [.. pending], final, toLog || final || pendingToLog, At(context), Summary());
        nextSeq += pending.Count;
        pending.Clear();
        pendingToLog = false;
        return batch;
    }

    private RunSummary Summary() => new(run.Workflow, run.DefinitionSha256, run.Initiator, status, started ?? DateTimeOffset.MinValue, ended,
        [.. approvers], [.. identities], [.. writes], [.. records], retention, run.GovernanceOff ?? []);

    private void Add(TaskOrchestrationContext context, string kind, JsonObject data)
    {
        if (Enabled || (StartOnly && kind == "run-start"))
        {
            // The record's own time is in milliseconds; replay from the ledger needs the orchestration's exact clock
            // (a gate's deadline, in a notice's input, is computed from it).
            data["clock"] = DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            pending.Add(new EvidenceEntry(kind, At(context), data));
        }
    }

    /// <summary>An activity call as replay needs it: which activity, the digest of its input, and what it returned.</summary>
    private static JsonObject Call(string activity, object? input, object? result, string? failure = null) => new()
    {
        ["activity"] = activity,
        ["inputDigest"] = EngineJson.Digest(input),
        ["result"] = failure is null ? EngineJson.ToNode(result) : null,
        ["failure"] = failure,
    };

    private static JsonObject FailureNode(TaskFailureDetails failure) => new()
    {
        ["type"] = failure.ErrorType,
        ["message"] = failure.ErrorMessage,
        ["inner"] = failure.InnerFailure is { } inner ? FailureNode(inner) : null,
    };

    /// <summary>An event's payload as received, cut short: a hand-raised event must not grow the ledger without bound.</summary>
    private static JsonNode? Bounded(JsonNode? payload)
    {
        var text = payload?.ToJsonString();
        return text is null ? null : text.Length <= 2000 ? payload!.DeepClone() : JsonValue.Create(text[..2000] + "…");
    }

    private static DateTimeOffset At(TaskOrchestrationContext context) => new(DateTime.SpecifyKind(context.CurrentUtcDateTime, DateTimeKind.Utc), TimeSpan.Zero);
}
