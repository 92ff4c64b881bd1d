using System.Text.Json.Nodes;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Routing;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// Runs a deployed workflow definition: loads it by name and hash (refusing any other), then runs each step as its
/// own activity by kind (read, draft, route, write) under the step's identity; a write waits at its approval gate
/// first, counting only decisions the approval service recorded. Deterministic: no I/O, time only from the context.
/// </summary>
public sealed class AgentWorkflowOrchestrator : TaskOrchestrator<RunRequest, RunResult>
{
    public const string Name = nameof(AgentWorkflowOrchestrator);
    public const string ApprovalEvent = "approval";

    /// <summary>The event that resumes an incomplete write; like an approval, it only names what the service recorded.</summary>
    public const string ResumeEvent = "resume";

    /// <summary>The event that wakes a queued run: a place among the runs advancing to their gate may be free.</summary>
    public const string AdmissionEvent = "admission";

    /// <summary>The gate name resumes are recorded under in the decision store (no workflow gate can be named so).</summary>
    public const string ResumeGate = "(resume)";

    /// <summary>How long an incomplete write waits for a resume before the run fails, naming what was and was not written.</summary>
    public static readonly TimeSpan ResumeWindow = TimeSpan.FromDays(7);

    /// <summary>Parks of one write past which the run fails instead of waiting again: the history stays bounded.</summary>
    public const int MaxResumes = 10;

    /// <summary>
    /// How long a queued run waits for its wake-up before asking again (spread up to twice this by the run's id, so runs
    /// queued together do not all ask at once), doubling up to <see cref="LongestAdmissionWait"/>: wake-ups come from
    /// runs that park or end, so this only matters when one was lost (a run terminated while it held a place).
    /// </summary>
    public static readonly TimeSpan FirstAdmissionWait = TimeSpan.FromMinutes(5);

    /// <summary>The longest a queued run waits before asking again (shorter than <see cref="Stores.AdmissionStore.WaiterStaleAfter"/>).</summary>
    public static readonly TimeSpan LongestAdmissionWait = TimeSpan.FromMinutes(30);

    /// <summary>Asks past which a queued run goes on without a place (about four days of waits): the history stays bounded.</summary>
    public const int MaxAdmissionAsks = 200;

    private static readonly TaskOptions AdmissionRetry = TaskOptions.FromRetryPolicy(new Microsoft.DurableTask.RetryPolicy(5, TimeSpan.FromSeconds(1), 2, TimeSpan.FromSeconds(15)));

    /// <summary>Ignored events kept in the status; past this only the count grows, so nobody can bloat the run's state.</summary>
    public const int MaxIgnoredRecorded = 10;

    /// <summary>Notices kept in the status; older ones drop off (the ledger will keep them all).</summary>
    public const int MaxNoticesRecorded = 10;

    private readonly List<StepRecord> steps = [];
    private readonly List<ApprovalRecord> approvals = [];
    private readonly List<NoticeSummary> notices = [];
    private (GateDefinition Gate, ProposedChange Change, DateTime Deadline, GateTally Tally, string Why)? approvedAt;
    private int ignoredEvents;
    private RunEvidenceRecorder evidence = null!;
    private string workflow = "(none)";
    private int? admittedUnder; // the run holds a place among ActiveRunLimit runs
    private AdmissionClaim? queuedClaim; // the run went on without a place, its queue row left: taken out as it parks or ends
    private string runId = "(none)";

    public override async Task<RunResult> RunAsync(TaskOrchestrationContext context, RunRequest run)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (run?.Initiator?.Id is not { Length: > 0 })
        {
            throw await FailAsync(context, new RunFailure("(start)", "(none)", "refused: the run names no verified initiator"), "refused");
        }

        evidence = new RunEvidenceRecorder(run);
        workflow = run.Workflow;
        runId = run.RunId;
        Report(context, "starting", null, null);
        if (run.LogicVersion >= RunLogic.Admission && run.Admission is { Limit: > 0 } admission)
        {
            await AdmitAsync(context, run, admission);
        }

        WorkflowSnapshot snapshot;
        var definitionRef = new DefinitionRef(run.Workflow, run.DefinitionSha256,
            run.LogicVersion >= RunLogic.IssuedStart ? RunIssue.Digest(run) : null); // older runs load as they always did
        try
        {
            snapshot = await context.CallActivityAsync<WorkflowSnapshot>(LoadDefinitionActivity.Name, definitionRef);
        }
        catch (TaskFailedException failed) when (failed.FailureDetails?.ErrorType == typeof(StartNotIssuedException).FullName)
        {
            // Not a run the run service started: its id may be another run's, whose ledger it must not write (an append
            // from a newer episode would supersede that run's records). The status and the host's log say why.
            evidence = null!;
            throw await FailAsync(context, new RunFailure("(start)", "(none)", $"refused: {Reason(failed.FailureDetails)}"), "refused");
        }
        catch (TaskFailedException failed)
        {
            evidence.Start(context, null, definitionRef);
            throw await FailAsync(context, new RunFailure("(definition)", "(none)", $"refused: {Reason(failed.FailureDetails)}"), "refused", LoadDefinitionActivity.Name, definitionRef);
        }

        evidence.Start(context, snapshot, definitionRef);
        await evidence.CheckpointAsync(context, toLog: true);

        var definition = snapshot.Definition;
        foreach (var step in definition.Steps)
        {
            var data = RunData.Build(run.Input, DataFor(step, definition));
            var identity = snapshot.Identities.First(i => i.Name == step.Identity);
            var invocation = new StepInvocation(run.RunId, definition.Name, step, identity, ClientIdOf(identity, run.Environment), data,
                RedactPaths: snapshot.RedactPathsFor(step), Declarations: snapshot.DeclarationsFor(step),
                Writer: step.Kind == StepKind.Write && definition.Isolation == Isolation.SeparateWriter && run.LogicVersion >= RunLogic.WriterIntents
                    ? new WriterRun(run.DefinitionSha256, run.Initiator.Id, run.Environment)
                    : null,
                // A delegated identity acts for the run's initiator: whom it acts for comes from the run, never from a step's data.
                ActingFor: identity.IsDelegated ? run.Initiator : null);
            if (step.Kind == StepKind.Write && GateFor(step, definition, RunData.Build(run.Input, AllOutputs(definition))) is { } gate)
            {
                ProposedChange change;
                try
                {
                    change = await evidence.CallAsync<ProposedChange>(context, PrepareChangeActivity.Name, carried => invocation with { Evidence = carried });
                }
                catch (TaskFailedException failed)
                {
                    throw await FailAsync(context, new RunFailure(step.Id, step.Identity, Reason(failed.FailureDetails)), "failed", PrepareChangeActivity.Name, invocation);
                }

                var outcome = await WaitForApprovalAsync(context, run, step, gate, definition, change, invocation);
                if (outcome is not null)
                {
                    Report(context, outcome, null, null);
                    return await ResultAsync(context, outcome);
                }

                invocation = invocation with { ApprovedChangeDigest = change.Digest };
            }

            Report(context, "running", step.Id, null);
            RunFailure? failure = null;
            WriteCalls? incomplete = null;
            try
            {
                var record = run.LogicVersion >= RunLogic.ResumableWrites && step.Kind == StepKind.Write
                    ? await WriteWholeAsync(context, step, invocation, null)
                    : await evidence.CallAsync<StepRecord>(context, ActivityFor(step.Kind), carried => invocation with { Evidence = carried }, RetryOptions(step));
                steps.Add(record);
                evidence.Step(context, invocation, record, identity);
            }
            catch (TaskFailedException failed)
            {
                failure = new RunFailure(step.Id, step.Identity, Reason(failed.FailureDetails));
            }
            catch (WriteStoppedException stopped)
            {
                (failure, incomplete) = (stopped.Failure, stopped.Calls);
            }

            if (approvedAt is { } approved)
            {
                // Told after the write, so telling people does not stand between the decision and the change.
                approvedAt = null;
                await NotifyAsync(context, run, step, approved.Gate, approved.Change, NoticeKind.Outcome, approved.Deadline, approved.Tally, approved.Why,
                    $"approved at gate {approved.Gate.Id}; {(failure is null ? "the change was written" : incomplete is null ? "the write failed" : "the write is incomplete: an administrator can resume it")}");
            }

            if (incomplete is not null)
            {
                failure = await ResumeWriteAsync(context, run, step, identity, invocation, incomplete, failure!);
            }

            if (failure is not null)
            {
                throw await FailAsync(context, failure, "failed", ActivityFor(step.Kind), invocation);
            }

            await evidence.CheckpointAsync(context);
        }

        Report(context, "completed", null, null);
        return await ResultAsync(context, "completed");
    }

    public static string ActivityFor(StepKind kind) => kind switch
    {
        StepKind.Read => ReadStepActivity.Name,
        StepKind.Draft => DraftStepActivity.Name,
        StepKind.Route => RouteStepActivity.Name,
        _ => WriteStepActivity.Name,
    };

    /// <summary>
    /// A draft or route step sees its <c>from</c> steps only (what the model is shown is what the file says); a read or
    /// write sees every earlier step, because the record it may touch is the one the run already read (not one the
    /// input or the draft names in passing).
    /// </summary>
    private IEnumerable<(StepDefinition, JsonObject?)> DataFor(StepDefinition step, WorkflowDefinition definition) =>
        step.Kind is StepKind.Write or StepKind.Read
            ? AllOutputs(definition)
            : step.From.Select(id => (definition.FindStep(id)!, OutputOf(id)));

    private IEnumerable<(StepDefinition, JsonObject?)> AllOutputs(WorkflowDefinition definition) =>
        steps.Select(r => (definition.FindStep(r.StepId)!, r.Output));

    private static string ClientIdOf(IdentityDefinition identity, string environment) =>
        identity.ClientIds.TryGetValue(environment, out var id)
            ? id
            : throw new InvalidOperationException($"identity '{identity.Name}' has no client id for environment '{environment}'");

    /// <summary>
    /// The gate a write waits at, or null when it runs without approval. Conditions see everything the run has read
    /// (not only the step's <c>from</c>), and fail closed: a condition on data the run does not have asks for approval.
    /// </summary>
    private GateDefinition? GateFor(StepDefinition step, WorkflowDefinition definition, JsonObject runData)
    {
        var approval = step.Approval;
        var gateId = approval.Mode switch
        {
            ApprovalMode.Gate when approval.When is null || !ConditionEvaluator.TryEvaluate(approval.When, runData, out var applies) || applies => approval.Gate,
            ApprovalMode.Routed => OutputOf(approval.RouteStep!)?["gate"]?.GetValue<string>(),
            _ => null,
        };
        return gateId is null ? null : definition.FindGate(gateId);
    }

    /// <summary>
    /// Waits for a quorum of approvals, telling the approvers when the gate opens, reminding those who have not
    /// answered at each <c>reminders</c> offset, escalating to the next gate at <c>escalation.after</c> and taking the
    /// <c>onTimeout</c> action at the deadline — all on durable timers, so a host restart loses none of them. Returns
    /// null when approved, else the run's final outcome.
    /// </summary>
    private async Task<string?> WaitForApprovalAsync(
        TaskOrchestrationContext context, RunRequest run, StepDefinition step, GateDefinition gate, WorkflowDefinition definition, ProposedChange change,
        StepInvocation invocation)
    {
        // The recorded reason (evidence, notices) keeps its wording: it is activity input, which replay compares. The
        // status shows the reason in words with the value that met the condition; status text is not replayed.
        var why = WhyGate(step, gate);
        var runData = RunData.Build(run.Input, AllOutputs(definition));
        string whyInWords;
        try
        {
            whyInWords = WhyInWords(step, gate, definition, runData);
        }
        catch (FormatException)
        {
            whyInWords = why; // a condition outside the grammar (the validator refuses those): the recorded reason then
        }

        var read = FactsRead(step, definition, runData);

        var kind = NoticeKind.Request;
        evidence.Gate(context, "approval-request", new JsonObject
        {
            ["stepId"] = step.Id,
            ["gate"] = gate.Id,
            ["why"] = why,
            ["changeDigest"] = change.Digest,
            ["change"] = EngineJson.ToNode(change.Lines),
        }, PrepareChangeActivity.Name, invocation, change);

        // One wait per gate of the escalation chain; the validator rejects escalation loops, so the chain is finite.
        for (var hop = 0; hop <= definition.Gates.Count; hop++)
        {
            var tally = new GateTally(gate, run.Initiator.Id);
            var opened = context.CurrentUtcDateTime;
            var deadline = opened + Duration(gate.Timeout, TimeSpan.FromDays(1));
            var reminders = new Queue<DateTime>(gate.Reminders.Select(r => opened + Duration(r, TimeSpan.Zero))
                .Where(at => at > opened && at < deadline).Order());
            var next = gate.Escalation is { } escalation ? definition.FindGate(escalation.To) : null;
            DateTime? escalateAt = next is not null && IsoDuration.TryParse(gate.Escalation!.After, out var after) && opened + after < deadline
                ? opened + after
                : null;
            ApprovalWait Wait(string? notificationProblem) => new(step.Id, gate.Id, gate.Approvers.Select(a => $"{a.Kind.ToString().ToLowerInvariant()}:{a.Name}").ToList(),
                gate.Quorum, gate.Timeout, deadline, tally.Approvals, gate.SeparationOfDuties, run.Initiator, change.Digest, change.Summary,
                hop == 0 ? whyInWords : why, notificationProblem, read);

            // The status names this gate before anyone is told: an approver who answers the mail at once finds the run
            // waiting for them, not at the gate before (custom status is saved when the notice activity is scheduled).
            ReportWait(context, Wait(null));
            var problem = await NotifyAsync(context, run, step, gate, change, kind, deadline, tally, why, null);
            await ParkAsync(context, run);
            while (!tally.QuorumReached && !tally.Rejected)
            {
                var due = new[] { (At: deadline, What: "deadline"), (At: escalateAt ?? DateTime.MaxValue, What: "escalation"),
                    (At: reminders.Count > 0 ? reminders.Peek() : DateTime.MaxValue, What: "reminder") }.MinBy(d => d.At);
                ReportWait(context, Wait(problem));
                var remaining = due.At - context.CurrentUtcDateTime;
                try
                {
                    // A reference type: an event with no body (null) must be judged and ignored, not crash the replay.
                    var signal = await context.WaitForExternalEvent<JsonNode?>(ApprovalEvent, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
                    await JudgeAsync(context, run, step, tally, signal);
                    await evidence.CheckpointAsync(context, beforeWait: !tally.QuorumReached && !tally.Rejected);
                    continue;
                }
                catch (TaskCanceledException)
                {
                    // The earliest of the timers below is due.
                }

                if (due.What == "reminder")
                {
                    reminders.Dequeue();
                    problem = await NotifyAsync(context, run, step, gate, change, NoticeKind.Reminder, deadline, tally, why, null);
                    await evidence.CheckpointAsync(context, beforeWait: true);
                    continue;
                }

                break; // escalation time or the deadline
            }

            if (tally.Rejected)
            {
                await NotifyAsync(context, run, step, gate, change, NoticeKind.Outcome, deadline, tally, why, $"rejected at gate {gate.Id}");
                return "rejected";
            }

            if (tally.QuorumReached)
            {
                approvedAt = (gate, change, deadline, tally, why);
                return null;
            }

            // Escalation time, or the deadline with onTimeout: escalate: the next gate's approvers are asked.
            var escalating = next is not null && (context.CurrentUtcDateTime < deadline || gate.OnTimeout == TimeoutAction.Escalate);
            if (escalating)
            {
                why = $"escalated from gate {gate.Id} ({(context.CurrentUtcDateTime < deadline ? "escalation.after " + gate.Escalation!.After : "timeout " + gate.Timeout)} passed)";
                evidence.Gate(context, "escalation", new JsonObject { ["stepId"] = step.Id, ["from"] = gate.Id, ["to"] = next!.Id, ["why"] = why });
                gate = next!;
                kind = NoticeKind.Escalation;
                continue;
            }

            var final = gate.OnTimeout == TimeoutAction.Cancel ? "cancelled" : "timed-out";
            evidence.Gate(context, "gate-timeout", new JsonObject { ["stepId"] = step.Id, ["gate"] = gate.Id, ["action"] = gate.OnTimeout.ToString().ToLowerInvariant() });
            await NotifyAsync(context, run, step, gate, change, NoticeKind.Outcome, deadline, tally, why,
                $"{(final == "cancelled" ? "cancelled" : "timed out")} at gate {gate.Id} (onTimeout: {gate.OnTimeout.ToString().ToLowerInvariant()})");
            return final;
        }

        return "timed-out";
    }

    /// <summary>
    /// Tells the gate's approvers (or the initiator, for an outcome) and keeps a summary; a failure to tell anyone is
    /// returned as the problem the run's status shows: the gate still waits, it is not silently stuck.
    /// </summary>
    private async Task<string?> NotifyAsync(
        TaskOrchestrationContext context, RunRequest run, StepDefinition step, GateDefinition gate, ProposedChange change, NoticeKind kind,
        DateTime deadline, GateTally tally, string why, string? outcome)
    {
        // A gate without channels tells nobody; for new runs its opening and outcome still call the activity, which keeps
        // the waiting-gates index approvers' lists read (nothing is recorded as a notice).
        var indexOnly = gate.Channels.Count == 0;
        if (indexOnly && (run.LogicVersion < RunLogic.GateIndex || kind == NoticeKind.Reminder))
        {
            return null;
        }

        var request = new NotifyRequest(kind, run.RunId, run.Workflow, run.DefinitionSha256, step.Id, gate.Id, run.Initiator,
            [.. tally.Answered], change.Digest, deadline, tally.Approvals, why, outcome);
        NotifyOutcome result;
        try
        {
            result = await evidence.CallAsync<NotifyOutcome>(context, NotifyApproversActivity.Name, carried => request with { Evidence = carried });
        }
        catch (TaskFailedException failed)
        {
            result = new NotifyOutcome(0, [], [Reason(failed.FailureDetails)]);
        }

        if (indexOnly)
        {
            return null;
        }

        var failures = result.Results.SelectMany(r => r.Failures.Take(3).Select(f => $"{r.Channel}: {f}")).Concat(result.Problems.Take(3)).ToList();
        var summary = new NoticeSummary(gate.Id, kind.ToString().ToLowerInvariant(), context.CurrentUtcDateTime, result.Recipients,
            [.. result.Results.Where(r => r.Sent > 0).Select(r => $"{r.Channel}: {r.Sent}")], failures);
        notices.Add(summary);
        evidence.Gate(context, "notice", (JsonObject)EngineJson.ToNode(summary)!, NotifyApproversActivity.Name, request, result);
        if (notices.Count > MaxNoticesRecorded)
        {
            notices.RemoveAt(0);
        }

        return result.NobodyTold || (result.Results.Count == 0 && result.Problems.Count > 0)
            ? $"nobody could be told ({string.Join("; ", failures.DefaultIfEmpty("no recipients"))}); the gate still waits"
            : null;
    }

    private static string WhyGate(StepDefinition step, GateDefinition gate) => step.Approval.Mode switch
    {
        ApprovalMode.Routed => $"route step {step.Approval.RouteStep} chose gate {gate.Id}",
        ApprovalMode.Gate when step.Approval.When is { } when => $"{when} (a condition that cannot be judged asks for approval)",
        _ => $"every run of step {step.Id} waits at gate {gate.Id}",
    };

    /// <summary>
    /// Why this gate, in words an approver reads: the condition and the value the run read that met it (a route's
    /// chosen condition, or none of them for its default; a write's own <c>when</c>). Values come from the run's data as
    /// its steps recorded it, so a redacted field reads as its redaction. The run's status only: no activity, no evidence.
    /// </summary>
    private string WhyInWords(StepDefinition step, GateDefinition gate, WorkflowDefinition definition, JsonObject runData)
    {
        string Is(string condition) => ConditionEvaluator.Subject(condition, runData) is var (path, value)
            ? $"{path} is {(value is null ? "not known" : Cut(ChangeLine.TextOf(value)))}"
            : condition;
        var approval = step.Approval;
        switch (approval.Mode)
        {
            case ApprovalMode.Routed:
                var chose = $"route step {approval.RouteStep} chose gate {gate.Id}";
                if (OutputOf(approval.RouteStep!)?["matchedWhen"]?.GetValue<string>() is { } matched)
                {
                    return $"{Is(matched)}, which meets {matched}: {chose}";
                }

                var conditions = definition.FindStep(approval.RouteStep!)?.Routes.Select(r => r.When).OfType<string>().ToList() ?? [];
                return conditions.Count == 0
                    ? chose
                    : $"{string.Join("; ", conditions.Select(Is).Distinct(StringComparer.Ordinal))}, which meets none of {string.Join(", ", conditions)}: {chose}, its default";
            case ApprovalMode.Gate when approval.When is { } when:
                return ConditionEvaluator.TryEvaluate(when, runData, out _)
                    ? $"{Is(when)}, which meets {when}"
                    : $"{when} cannot be judged ({Is(when)}), and a condition that cannot be judged asks for approval";
            default:
                return $"every run of step {step.Id} waits at gate {gate.Id}";
        }
    }

    /// <summary>
    /// The values the run read that the decision rests on, as the reading steps recorded them (not as a model drafted
    /// them): each condition's subject, then every placeholder of the drafts the write takes. Status only, and small: at
    /// most <see cref="MaxFacts"/> values of at most <see cref="MaxFactLength"/> characters.
    /// </summary>
    private static List<RunFact> FactsRead(StepDefinition step, WorkflowDefinition definition, JsonObject runData)
    {
        var approval = step.Approval;
        IEnumerable<string> conditions = approval.Mode == ApprovalMode.Routed
            ? definition.FindStep(approval.RouteStep!)?.Routes.Select(r => r.When).OfType<string>() ?? []
            : approval.When is { } when ? [when] : [];
        var paths = new List<string>();
        foreach (var condition in conditions)
        {
            try
            {
                paths.Add(ConditionEvaluator.Subject(condition, runData).Path);
            }
            catch (FormatException)
            {
                // Outside the grammar (the validator refuses those): nothing to show for it.
            }
        }

        var drafts = Upstream(step, definition).Where(s => s.Kind == StepKind.Draft && s.Template is not null);
        paths.AddRange(drafts.SelectMany(d => d.Template!.Values).SelectMany(text => DraftTemplate.Placeholders(text)).Select(p => p.Path));

        // Only what a system answered or the starter gave: a path into a draft (or a route's output) is not a fact read.
        var read = definition.Steps.Where(s => s.Kind == StepKind.Read).Select(RunData.AliasOf).Append("input").ToHashSet(StringComparer.Ordinal);
        return [.. paths.Where(path => read.Contains(path.Split('.')[0])).Distinct(StringComparer.Ordinal).Take(MaxFacts)
            .Select(path => new RunFact(path, RunData.Node(runData, path) is { } value ? Cut(ChangeLine.TextOf(value)) : "not known"))];
    }

    private const int MaxFacts = 20;

    private const int MaxFactLength = 300;

    private static string Cut(string text) => text.Length <= MaxFactLength ? text : text[..(MaxFactLength - 1)] + "…";

    /// <summary>The steps <paramref name="step"/> takes data from, directly or through others, nearest first.</summary>
    private static IEnumerable<StepDefinition> Upstream(StepDefinition step, WorkflowDefinition definition)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(step.From);
        while (queue.TryDequeue(out var id))
        {
            if (seen.Add(id) && definition.FindStep(id) is { } found)
            {
                yield return found;
                foreach (var next in found.From)
                {
                    queue.Enqueue(next);
                }
            }
        }
    }

    private static TimeSpan Duration(string? text, TimeSpan fallback) => IsoDuration.TryParse(text, out var span) ? span : fallback;

    /// <summary>Counts an event only when it names a decision the approval service recorded for this gate.</summary>
    private async Task JudgeAsync(TaskOrchestrationContext context, RunRequest run, StepDefinition step, GateTally tally, JsonNode? signal)
    {
        var gate = tally.Gate.Id;
        if (DecisionIdOf(signal) is not { } decisionId)
        {
            Ignore(context, step.Id, gate, null, "ignored: not a decision recorded by the approval service (raised directly, or malformed)", signal, null, null);
            return;
        }

        var request = new DecisionCheckRequest(run.RunId, step.Id, gate, decisionId);
        var check = await evidence.CallAsync<DecisionCheck>(context, VerifyDecisionActivity.Name, carried => request with { Evidence = carried });
        if (check.Decision is not { } decision)
        {
            Ignore(context, step.Id, gate, decisionId, check.Reason ?? "ignored: unverifiable decision", signal, request, check);
            return;
        }

        if (decision.Refused is { } refused)
        {
            // A refused attempt (403) by a signed-in person: evidence of who tried, never a vote.
            evidence.Gate(context, "refusal", new JsonObject
            {
                ["guard"] = "approval",
                ["status"] = 403,
                ["stepId"] = step.Id,
                ["gate"] = gate,
                ["principal"] = EngineJson.ToNode(new PrincipalRef(decision.PrincipalId, decision.PrincipalName, decision.PrincipalUpn)),
                ["channel"] = decision.Channel,
                ["reason"] = refused,
                ["linkId"] = decision.LinkId,
                ["changeDigest"] = decision.ChangeDigest,
                ["event"] = signal?.DeepClone(), // the signal as received (a decision id): replay from the ledger feeds it again
            }, VerifyDecisionActivity.Name, request, check);
            ignoredEvents++;
            return;
        }

        var verdict = tally.Count(decision.PrincipalId, decision.Approved);
        var record = new ApprovalRecord(step.Id, gate, decisionId, new PrincipalRef(decision.PrincipalId, decision.PrincipalName, decision.PrincipalUpn),
            decision.Approved, decision.Channel, decision.MatchedAs, decision.Comment, context.CurrentUtcDateTime, GateTally.Describe(verdict),
            decision.LinkId, decision.ChangeDigest);
        evidence.Decision(context, record, request, check, signal);
        if (verdict != TallyVerdict.Counted && ++ignoredEvents > MaxIgnoredRecorded)
        {
            return;
        }

        approvals.Add(record);
    }

    /// <summary>An event that does not count: always in the evidence, in the status only up to <see cref="MaxIgnoredRecorded"/>.</summary>
    private void Ignore(
        TaskOrchestrationContext context, string stepId, string gate, string? decisionId, string reason, JsonNode? signal, DecisionCheckRequest? request, DecisionCheck? check)
    {
        var record = new ApprovalRecord(stepId, gate, decisionId, null, null, null, null, null, context.CurrentUtcDateTime, reason);
        evidence.Decision(context, record, request, check, signal);
        if (++ignoredEvents <= MaxIgnoredRecorded)
        {
            approvals.Add(record);
        }
    }

    /// <summary>The decision id of an <c>approval</c> event, or null for anything else (any shape, any size, no body).</summary>
    private static string? DecisionIdOf(JsonNode? signal)
    {
        try
        {
            return signal is JsonObject body
                && body.FirstOrDefault(p => string.Equals(p.Key, "decisionId", StringComparison.OrdinalIgnoreCase)).Value is JsonValue value
                && value.TryGetValue<string>(out var id) && id is { Length: > 0 and <= 200 }
                    ? id
                    : null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            return null; // duplicate keys, invalid text: not a decision
        }
    }

    private JsonObject? OutputOf(string stepId) => steps.FirstOrDefault(r => r.StepId == stepId)?.Output;

    /// <summary>
    /// A write of a run started with <see cref="RunLogic.ResumableWrites"/>: the step's declared retry (attempts,
    /// backoff, refusals not retried) run attempt by attempt here, so that what each attempt confirmed is kept: a call
    /// the system confirmed once stays made even if a later attempt never got to send it (the system's circuit open).
    /// Throws <see cref="WriteStoppedException"/> when the last attempt fails, with the calls made and not made when some
    /// went through (the change is half applied: the run waits for a resume).
    /// </summary>
    private async Task<StepRecord> WriteWholeAsync(TaskOrchestrationContext context, StepDefinition step, StepInvocation invocation, WriteCalls? before)
    {
        var (attempts, backoff) = DeclaredRetry(step);
        var made = new HashSet<string>(before?.Made ?? [], StringComparer.Ordinal);
        var sent = new HashSet<string>(before?.Failed ?? [], StringComparer.Ordinal); // sent at least once, never confirmed
        // Every call any attempt (or the park before) named, in order: the last attempt may fail before naming any.
        var known = new List<string>();
        void Learn(IEnumerable<string> calls) => known.AddRange(calls.Where(c => !known.Contains(c, StringComparer.Ordinal)));
        Learn(before is null ? [] : [.. before.Made, .. before.Failed, .. before.NotSent]);
        for (var attempt = 1; ; attempt++)
        {
            TaskFailureDetails failure;
            try
            {
                return await evidence.CallAsync<StepRecord>(context, WriteStepActivity.Name, carried => invocation with { Evidence = carried });
            }
            catch (TaskFailedException failed)
            {
                failure = failed.FailureDetails;
            }

            var calls = failure.ErrorType == typeof(WriteIncompleteException).FullName ? WriteIncompleteException.TryRead(failure.ErrorMessage) : null;
            made.UnionWith(calls?.Made ?? []);
            sent.UnionWith(calls?.Failed ?? []);
            Learn(calls is null ? [] : [.. calls.Made, .. calls.Failed, .. calls.NotSent]);
            var last = attempt >= attempts || IsRefusal(failure);
            evidence.WriteAttempt(context, step.Id, attempt, invocation, failure, last ? null : context.CurrentUtcDateTime + backoff);
            if (last)
            {
                var merged = new WriteCalls(
                    [.. known.Where(made.Contains)], [.. known.Where(c => !made.Contains(c) && sent.Contains(c))], [.. known.Where(c => !made.Contains(c) && !sent.Contains(c))]);
                // Only a change left half applied (by this attempt or an earlier one) waits for a resume; one of which
                // nothing went through fails the step, clearly, as before (its retries are spent; a new run is a new approval).
                throw new WriteStoppedException(new RunFailure(step.Id, step.Identity, Reason(failure)), merged.Made.Count > 0 ? merged : null);
            }

            await context.CreateTimer(backoff, CancellationToken.None);
        }
    }

    /// <summary>
    /// Parks an incomplete write (phase <c>write-incomplete</c>: the status and the ledger name the calls made and not
    /// made) until an administrator's resume that the service recorded arrives, then sends the same approved change
    /// again with the same idempotency keys, with the step's declared retry; parks again if it stops again. Returns null
    /// once the write is whole, else the run's failure (not resumed within <see cref="ResumeWindow"/>, or refused).
    /// </summary>
    private async Task<RunFailure?> ResumeWriteAsync(
        TaskOrchestrationContext context, RunRequest run, StepDefinition step, IdentityDefinition identity, StepInvocation invocation, WriteCalls calls,
        RunFailure failure)
    {
        for (var attempt = 1; attempt <= MaxResumes; attempt++)
        {
            var since = context.CurrentUtcDateTime; // each park has its own window
            var parked = new WriteIncomplete(step.Id, calls, failure.Reason, since, since + ResumeWindow, attempt, ResumeIdFor(step.Id, attempt));
            evidence.Gate(context, "write-incomplete", (JsonObject)EngineJson.ToNode(parked)!);
            ReportIncomplete(context, parked, failure);
            await ParkAsync(context, run);
            if (!await WaitForResumeAsync(context, run, parked, failure))
            {
                evidence.Gate(context, "resume-timeout", new JsonObject { ["stepId"] = step.Id, ["attempt"] = attempt, ["resumeBy"] = parked.ResumeBy });
                return failure with
                {
                    Reason = $"{failure.Reason}; not resumed by {parked.ResumeBy:u}: made [{string.Join(", ", calls.Made)}], " +
                        $"not confirmed [{string.Join(", ", calls.Failed)}], not sent [{string.Join(", ", calls.NotSent)}]",
                };
            }

            Report(context, "running", step.Id, null);
            try
            {
                var record = await WriteWholeAsync(context, step, invocation, calls);
                steps.Add(record);
                evidence.Step(context, invocation, record, identity);
                return null;
            }
            catch (WriteStoppedException stopped)
            {
                failure = stopped.Failure;
                if (stopped.Calls is not { } again)
                {
                    return failure;
                }

                calls = again;
            }
        }

        return failure with { Reason = $"{failure.Reason}; resumed {MaxResumes} times without the write going through" };
    }

    /// <summary>The decision-store id of a resume of <paramref name="attempt"/>: one per park, so a repeated request cannot resume twice.</summary>
    public static string ResumeIdFor(string stepId, int attempt) => $"resume~{stepId}~{attempt}";

    /// <summary>
    /// Waits for a resume of this park that the service recorded for an administrator (read back, as decisions are);
    /// anything else is kept as an ignored event. False at the deadline.
    /// </summary>
    private async Task<bool> WaitForResumeAsync(TaskOrchestrationContext context, RunRequest run, WriteIncomplete parked, RunFailure failure)
    {
        while (context.CurrentUtcDateTime < parked.ResumeBy)
        {
            var remaining = parked.ResumeBy - context.CurrentUtcDateTime;
            JsonNode? signal;
            try
            {
                signal = await context.WaitForExternalEvent<JsonNode?>(ResumeEvent, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
            catch (TaskCanceledException)
            {
                return false;
            }

            var id = signal is JsonObject body && body["resumeId"] is JsonValue value && value.TryGetValue<string>(out var text) && text is { Length: > 0 and <= 200 } ? text : null;
            DecisionCheckRequest? request = null;
            DecisionCheck? check = null;
            if (id == parked.ResumeId)
            {
                request = new DecisionCheckRequest(run.RunId, parked.StepId, ResumeGate, id);
                check = await evidence.CallAsync<DecisionCheck>(context, VerifyDecisionActivity.Name, carried => request with { Evidence = carried });
                if (check.Decision is { Refused: null } resume)
                {
                    evidence.Gate(context, "resume", new JsonObject
                    {
                        ["stepId"] = parked.StepId,
                        ["attempt"] = parked.Attempt,
                        ["resumeId"] = id,
                        ["principal"] = EngineJson.ToNode(new PrincipalRef(resume.PrincipalId, resume.PrincipalName, resume.PrincipalUpn)),
                        ["matchedAs"] = resume.MatchedAs,
                        ["channel"] = resume.Channel,
                        ["at"] = resume.At,
                        ["made"] = EngineJson.ToNode(parked.Calls.Made),
                        ["event"] = signal?.DeepClone(),
                    }, VerifyDecisionActivity.Name, request, check);
                    return true;
                }
            }

            ignoredEvents++;
            evidence.Gate(context, "ignored-event", new JsonObject
            {
                ["stepId"] = parked.StepId,
                ["event"] = ResumeEvent,
                ["reason"] = check?.Reason ?? "ignored: not a resume of this incomplete write recorded by the service (raised directly, stale, or malformed)",
                ["payload"] = signal?.ToJsonString() is { } payload ? payload[..Math.Min(payload.Length, 2000)] : null,
            }, request is null ? null : VerifyDecisionActivity.Name, request, check);
            ReportIncomplete(context, parked, failure);
            await evidence.FlushAsync(context);
        }

        return false;
    }

    /// <summary>The step's declared attempts (1 when it declares none) and the wait before the first retry (5 s unless declared).</summary>
    private static (int Attempts, TimeSpan Backoff) DeclaredRetry(StepDefinition step) =>
        (step.Retry is { MaxAttempts: > 1 } retry ? retry.MaxAttempts : 1,
         step.Retry is { } declared && IsoDuration.TryParse(declared.Backoff, out var first) ? first : TimeSpan.FromSeconds(5));

    private static TaskOptions? RetryOptions(StepDefinition step)
    {
        var (attempts, backoff) = DeclaredRetry(step);
        if (attempts <= 1)
        {
            return null;
        }

        return TaskOptions.FromRetryPolicy(new Microsoft.DurableTask.RetryPolicy(attempts, backoff)
        {
            // Refusals (scope guard, 401/403) do not heal by trying again; anything else is retried.
            HandleFailure = failure => !IsRefusal(failure),
        });
    }

    /// <summary>
    /// True when the failure, or one it wraps, is a refusal. Compared by type name: the SDK's <c>IsCausedBy</c> loads the
    /// failure's type by name from every loaded assembly, and a type also forwarded by another assembly (an
    /// HttpRequestException) makes it throw, which ended a write's retries after one attempt.
    /// </summary>
    private static bool IsRefusal(TaskFailureDetails? failure) =>
        failure is not null && (failure.ErrorType == typeof(StepRefusedException).FullName
            || failure.ErrorType == typeof(Core.Scope.ScopeViolationException).FullName
            || IsRefusal(failure.InnerFailure));

    private static string Reason(TaskFailureDetails? details)
    {
        var inner = details;
        while (inner?.InnerFailure is not null)
        {
            inner = inner.InnerFailure;
        }

        return inner is null ? "unknown failure" : $"{inner.ErrorType.Split('.').Last()}: {inner.ErrorMessage}";
    }

    /// <summary>Records the refusal and the run's end in the evidence, reports it, and gives the exception that fails the run.</summary>
    private async Task<WorkflowStepFailedException> FailAsync(TaskOrchestrationContext context, RunFailure failure, string phase, string? activity = null, object? input = null)
    {
        Report(context, phase, failure.Step, failure);
        RuntimeTelemetry.RunEnded(context.IsReplaying, workflow, phase, failure.Step);
        if (evidence is not null)
        {
            evidence.Refusal(context, failure, activity, input);
            evidence.End(context, phase, failure);
            await evidence.FlushAsync(context, final: true);
        }

        await ReleaseAsync(context);
        return new WorkflowStepFailedException(failure);
    }

    private async Task<RunResult> ResultAsync(TaskOrchestrationContext context, string outcome)
    {
        evidence.End(context, outcome, null);
        RuntimeTelemetry.RunEnded(context.IsReplaying, workflow, outcome, null);
        await evidence.FlushAsync(context, final: true);
        await ReleaseAsync(context);
        return new RunResult(outcome, Summaries(), approvals);
    }

    /// <summary>
    /// The run's place among the runs advancing to their first gate: the run service asked for it as it started the run
    /// (<see cref="RunRequest.Admission"/>). Not admitted then, the run waits in phase <c>queued</c>: a run that parks or
    /// ends wakes the oldest waiting runs (<see cref="AdmissionEvent"/>), and a run not woken asks again after a doubling
    /// wait. Admission is load control, not governance: if the table cannot answer (after retries), or after
    /// <see cref="MaxAdmissionAsks"/>, the run goes on without a place rather than failing.
    /// </summary>
    private async Task AdmitAsync(TaskOrchestrationContext context, RunRequest run, RunAdmission admission)
    {
        if (admission.Admitted)
        {
            admittedUnder = admission.Limit;
            return;
        }

        // Runs of this logic or later take their queue row out if they go on without a place (the table failed, or
        // they gave up asking), and wake the runs behind them when admitted where more places are free.
        var tidy = run.LogicVersion >= RunLogic.AdmissionChain;
        if (tidy)
        {
            queuedClaim = new AdmissionClaim(admission.Limit, admission.Since);
        }

        // Spread by the run's id (a stable hash, the same on every replay): runs queued together ask at different times.
        var wait = FirstAdmissionWait * (1 + (run.RunId.Aggregate(17u, (hash, c) => unchecked((hash * 31) + c)) % 100) / 100.0);
        for (var ask = 0; ask < MaxAdmissionAsks; ask++)
        {
            Report(context, "queued", null, null);
            try
            {
                await context.WaitForExternalEvent<JsonNode?>(AdmissionEvent, wait);
            }
            catch (TaskCanceledException)
            {
                wait = wait * 2 < LongestAdmissionWait ? wait * 2 : LongestAdmissionWait;
            }

            AdmissionAnswer answer;
            try
            {
                answer = await context.CallActivityAsync<AdmissionAnswer>(AdmissionActivity.Name,
                    new AdmissionRequest(run.RunId, admission.Limit, admission.Since, Release: false), AdmissionRetry);
            }
            catch (TaskFailedException)
            {
                return;
            }

            if (answer.Admitted)
            {
                admittedUnder = admission.Limit;
                queuedClaim = null; // the claim took the run's queue row out
                if (tidy)
                {
                    Wake(context, answer.Wake); // places it left free: the runs behind it
                }

                return;
            }
        }
    }

    /// <summary>
    /// Before a wait that may be long (a gate, a resume): appends the evidence so far, giving back the run's place (or
    /// taking its queue row out) in the same activity when it has one, so parking costs no activity of its own.
    /// </summary>
    private async Task ParkAsync(TaskOrchestrationContext context, RunRequest run)
    {
        if ((admittedUnder ?? queuedClaim?.Limit) is { } limit)
        {
            var withdraw = queuedClaim?.Since;
            (admittedUnder, queuedClaim) = (null, null);
            try
            {
                var answer = await evidence.CallAsync<AdmissionAnswer>(context, AdmissionActivity.Name,
                    carried => new AdmissionRequest(run.RunId, limit, context.CurrentUtcDateTime, Release: true) { Evidence = carried, Withdraw = withdraw }, AdmissionRetry);
                Wake(context, answer.Wake);
            }
            catch (TaskFailedException)
            {
                // The place frees itself when its lease runs out; the evidence goes with the append below.
            }
        }

        await evidence.CheckpointAsync(context, beforeWait: true);
    }

    /// <summary>At the run's end: gives back its place, or takes its queue row out, if it still has one (a run without a gate, or one that failed before it).</summary>
    private async Task ReleaseAsync(TaskOrchestrationContext context)
    {
        if ((admittedUnder ?? queuedClaim?.Limit) is not { } limit)
        {
            return;
        }

        var withdraw = queuedClaim?.Since;
        (admittedUnder, queuedClaim) = (null, null);
        try
        {
            Wake(context, (await context.CallActivityAsync<AdmissionAnswer>(AdmissionActivity.Name,
                new AdmissionRequest(runId, limit, context.CurrentUtcDateTime, Release: true, Withdraw: withdraw), AdmissionRetry)).Wake);
        }
        catch (TaskFailedException)
        {
            // The place frees itself when its lease runs out.
        }
    }

    private void Wake(TaskOrchestrationContext context, IReadOnlyList<string> runs)
    {
        foreach (var waiting in runs.Where(id => id != runId))
        {
            context.SendEvent(waiting, AdmissionEvent, new JsonObject { ["from"] = runId });
        }
    }

    private List<StepSummary> Summaries() => steps.Select(s => s.Summarize()).ToList();

    private void Report(TaskOrchestrationContext context, string phase, string? currentStep, RunFailure? failure) =>
        context.SetCustomStatus(new RunProgress(phase, currentStep, Summaries(), approvals, null, failure, ignoredEvents, notices));

    private void ReportIncomplete(TaskOrchestrationContext context, WriteIncomplete parked, RunFailure failure) =>
        context.SetCustomStatus(new RunProgress("write-incomplete", parked.StepId, Summaries(), approvals, null, failure, ignoredEvents, notices, parked));

    private void ReportWait(TaskOrchestrationContext context, ApprovalWait wait) =>
        context.SetCustomStatus(new RunProgress("awaiting-approval", wait.StepId, Summaries(), approvals, wait, null, ignoredEvents, notices));
}

/// <summary>A write that stopped after its attempts: the run's failure, and the calls made and not made when it can be resumed.</summary>
internal sealed class WriteStoppedException(RunFailure failure, WriteCalls? calls) : Exception(failure.Reason)
{
    public RunFailure Failure { get; } = failure;

    public WriteCalls? Calls { get; } = calls;
}
