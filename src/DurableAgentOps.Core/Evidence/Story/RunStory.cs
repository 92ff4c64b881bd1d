using System.Globalization;
using System.Text.Json.Nodes;
using static DurableAgentOps.Core.Evidence.Story.StoryJson;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// What a run's evidence records tell, read for people: the run (workflow, definition, initiator, input digest, start,
/// end, outcome), a lane per identity with its steps, the gate (approval requests, notices, decisions, ignored events,
/// escalations, timeouts), refusals, and every event in order. Built from the ledger only, so it still reads once the
/// Durable history is purged. Tolerant: an unknown kind or a missing field is shown as such, never thrown.
/// </summary>
public sealed record RunStory(
    StoryRun Run,
    IReadOnlyList<StoryLane> Lanes,
    IReadOnlyList<StoryApprovalRequest> Requests,
    IReadOnlyList<StoryNotice> Notices,
    IReadOnlyList<StoryDecision> Decisions,
    IReadOnlyList<StoryDecision> IgnoredEvents,
    IReadOnlyList<StoryGateEvent> GateEvents,
    IReadOnlyList<StoryRefusal> Refusals,
    IReadOnlyList<StoryEvent> Events,
    IReadOnlyList<string> Problems)
{
    /// <summary>What a renderer shows for a value the record does not hold.</summary>
    public const string Missing = "(not recorded)";

    /// <summary>The lane of gate events in <see cref="Events"/>.</summary>
    public const string GateLane = "gate";

    /// <summary>The lane of the run's start and end (and refusals that name no identity).</summary>
    public const string RunLane = "run";

    /// <summary>How many of a draft's values a story keeps: enough to summarise it, not the whole output.</summary>
    private const int MaxDrafted = 40;

    public IEnumerable<StoryStep> Steps => Lanes.SelectMany(l => l.Steps).OrderBy(s => s.Seq);

    /// <summary>Steps that wrote (kind write): what changed in which system.</summary>
    public IEnumerable<StoryStep> Writes => Steps.Where(s => s.Kind == "write");

    /// <summary>The story of stored rows: rows that are not records are named in <see cref="Problems"/> and skipped.</summary>
    public static RunStory From(string runId, IReadOnlyList<StoredRecord> stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var problems = new List<string>();
        for (var i = 0; i < stored.Count; i++)
        {
            if (stored[i].Record is null)
            {
                problems.Add($"row {i} is not an evidence record ({stored[i].Malformed ?? "unreadable"}); it is left out");
            }
        }

        return Build(runId, [.. stored.Where(s => s.Record is not null).Select(s => s.Record!)], problems);
    }

    public static RunStory From(IReadOnlyList<EvidenceRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        return Build(records.FirstOrDefault()?.RunId ?? Missing, records, []);
    }

    private static RunStory Build(string runId, IReadOnlyList<EvidenceRecord> records, List<string> problems)
    {
        var builder = new Builder(runId, problems);
        foreach (var record in records.OrderBy(r => r.Seq))
        {
            try
            {
                builder.Add(record);
            }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or OverflowException)
            {
                // A value of an unexpected JSON type: shown as a problem, the rest of the story still reads.
                problems.Add($"record {record.Seq} ({record.Kind}) could not be read: {ex.Message}");
            }
        }

        return builder.Build();
    }

    private sealed class Builder(string runId, List<string> problems)
    {
        private readonly List<StoryStep> steps = [];
        private readonly List<StoryApprovalRequest> requests = [];
        private readonly List<StoryNotice> notices = [];
        private readonly List<StoryDecision> decisions = [];
        private readonly List<StoryDecision> ignored = [];
        private readonly List<StoryGateEvent> gateEvents = [];
        private readonly List<StoryRefusal> refusals = [];
        private readonly List<StoryEvent> events = [];
        private StoryRun run = new(runId, null, null, null, null, null, null, null, null, null, []);
        private long? lastSeq;

        public void Add(EvidenceRecord record)
        {
            if (lastSeq is { } last && record.Seq != last + 1)
            {
                problems.Add(record.Seq == last ? $"seq {record.Seq} appears twice" : $"records {last + 1}–{record.Seq - 1} are missing");
            }

            lastSeq = record.Seq;
            var d = record.Data;
            var at = record.At;
            switch (record.Kind)
            {
                case "run-start":
                    run = run with
                    {
                        Workflow = Text(d, "workflow"),
                        DefinitionSha256 = Text(d, "definitionSha256"),
                        Environment = Text(d, "environment"),
                        Initiator = Principal(d, "initiator"),
                        InputDigest = Text(d, "inputDigest"),
                        Started = at,
                        GovernanceOff = Strings(d, "governanceOff"),
                        Input = Leaves(d["input"], 8),
                    };
                    Event(record, RunLane, $"run started by {run.Initiator?.Display ?? Missing}: {run.Workflow ?? Missing} (definition {Short(run.DefinitionSha256)})"
                        + (run.GovernanceOff.Count > 0 ? $"; governance OFF: {string.Join(", ", run.GovernanceOff)}" : string.Empty));
                    break;

                case "step":
                    var step = StepOf(record);
                    steps.Add(step);
                    Event(record, step.Identity, $"{step.Kind} step {step.StepId} as {step.Identity}"
                        + (step.ActedFor is { } acted ? $" for {acted.Person} (delegated: subject {StoryText.Or(acted.SubjectId)}, actor {StoryText.Or(acted.ActorClientId)})" : string.Empty)
                        + $": {Join(step.Operations, "no operation")} on {Join(step.Records, "no record")} — {step.Outcome}"
                        + (step.DurationMs is { } ms ? $" ({ms.ToString(CultureInfo.InvariantCulture)} ms)" : string.Empty));
                    break;

                case "refusal" when Text(d, "guard") == "approval":
                    // A signed-in person's decision the approval service refused (403): on the gate's lane, by who tried.
                    var refused = new StoryRefusal(record.Seq, at, Text(d, "stepId"), null, Text(d, "reason"), Principal(d, "principal"), Text(d, "channel"));
                    refusals.Add(refused);
                    Event(record, GateLane, $"decision refused at gate {Text(d, "gate") ?? Missing}: {refused.Person?.Display ?? Missing} via {refused.Channel ?? Missing}: {refused.Reason ?? Missing}");
                    break;

                case "refusal":
                    var refusal = new StoryRefusal(record.Seq, at, Text(d, "stepId"), Text(d, "identity"), Text(d, "reason"));
                    refusals.Add(refusal);
                    Event(record, refusal.Identity ?? RunLane, $"refused step {refusal.StepId ?? Missing} as {refusal.Identity ?? Missing}: {refusal.Reason ?? Missing}");
                    break;

                case "approval-request":
                    var change = d["change"] is JsonArray lines
                        ? lines.OfType<JsonObject>().Select(l => new StoryChange(Text(l, "system"), Text(l, "operation"), Text(l, "record"), Text(l, "field"), Text(l, "before"), Text(l, "after"))).ToList()
                        : [];
                    var request = new StoryApprovalRequest(record.Seq, at, Text(d, "stepId"), Text(d, "gate"), Text(d, "why"), Text(d, "changeDigest"), change);
                    requests.Add(request);
                    Event(record, GateLane, $"approval asked at gate {request.Gate ?? Missing} for step {request.StepId ?? Missing}: change {Short(request.ChangeDigest)} ({change.Count} field(s)); {request.Why ?? Missing}");
                    break;

                case "notice":
                    // Only the summary's counts and channels: the notice call's input and result stay out of the story.
                    var notice = new StoryNotice(record.Seq, at, Text(d, "gate"), Text(d, "kind"), Number(d, "recipients"), Strings(d, "sent"), Strings(d, "failures"));
                    notices.Add(notice);
                    Event(record, GateLane, $"{notice.Kind ?? "notice"} sent for gate {notice.Gate ?? Missing} to {Count(notice.Recipients)} recipient(s): {Join(notice.Sent, "nothing sent")}"
                        + (notice.Failures.Count > 0 ? $"; failures: {string.Join("; ", notice.Failures)}" : string.Empty));
                    break;

                case "decision" or "ignored-event":
                    var decision = new StoryDecision(record.Seq, at, Text(d, "stepId"), Text(d, "gate"), Principal(d, "approver"), Flag(d, "approved"), Text(d, "channel"),
                        Text(d, "matchedAs"), Text(d, "comment"), Text(d, "linkId"), Text(d, "changeDigest"), Text(d, "counted"));
                    if (record.Kind == "decision")
                    {
                        decisions.Add(decision);
                        Event(record, GateLane, $"{decision.Approver?.Display ?? Missing} {decision.Verb} at gate {decision.Gate ?? Missing} via {decision.Channel ?? Missing}"
                            + (decision.MatchedAs is { } m ? $" as {m}" : string.Empty) + $" — {decision.Counted ?? Missing}"
                            + (decision.Comment is { Length: > 0 } c ? $"; comment: {c}" : string.Empty));
                    }
                    else
                    {
                        ignored.Add(decision);
                        Event(record, GateLane, $"event ignored at gate {decision.Gate ?? Missing}: {decision.Counted ?? Missing}");
                    }

                    break;

                case "escalation":
                    var escalation = new StoryGateEvent(record.Seq, at, record.Kind, Text(d, "stepId"), Text(d, "from"), Text(d, "to"), Text(d, "why"));
                    gateEvents.Add(escalation);
                    Event(record, GateLane, $"escalated from gate {escalation.Gate ?? Missing} to {escalation.To ?? Missing}: {escalation.Detail ?? Missing}");
                    break;

                case "gate-timeout":
                    var timeout = new StoryGateEvent(record.Seq, at, record.Kind, Text(d, "stepId"), Text(d, "gate"), null, Text(d, "action"));
                    gateEvents.Add(timeout);
                    Event(record, GateLane, $"gate {timeout.Gate ?? Missing} timed out; onTimeout: {timeout.Detail ?? Missing}");
                    break;

                case "write-attempt":
                    var attemptFailure = Object(d, "call") is { } attemptCall ? Text(attemptCall, "failure") : null;
                    Event(record, RunLane, $"write {Text(d, "stepId") ?? Missing} attempt {d["attempt"]?.ToJsonString() ?? Missing} failed: {attemptFailure ?? Missing}"
                        + (Text(d, "retryAt") is { } retryAt ? $"; next attempt at {retryAt}" : "; no attempt left"));
                    break;

                case "write-incomplete":
                    var calls = Object(d, "calls");
                    Event(record, RunLane, $"write {Text(d, "stepId") ?? Missing} stopped part way: made {Join(Strings(calls, "made"), "nothing")}; "
                        + $"not confirmed {Join(Strings(calls, "failed"), "none")}; not sent {Join(Strings(calls, "notSent"), "none")} — "
                        + $"{Text(d, "reason") ?? Missing}; waits for a resume until {Text(d, "resumeBy") ?? Missing}");
                    break;

                case "resume":
                    Event(record, GateLane, $"write {Text(d, "stepId") ?? Missing} resumed by {Principal(d, "principal")?.Display ?? Missing} via {Text(d, "channel") ?? Missing}");
                    break;

                case "resume-timeout":
                    Event(record, RunLane, $"write {Text(d, "stepId") ?? Missing} not resumed by {Text(d, "resumeBy") ?? Missing}");
                    break;

                case "run-end":
                    var failure = Object(d, "failure") is { } f ? new StoryFailure(Text(f, "step"), Text(f, "identity"), Text(f, "reason")) : null;
                    run = run with { Ended = at, Outcome = Text(d, "outcome"), Failure = failure };
                    Event(record, RunLane, $"run ended: {run.Outcome ?? Missing}" + (failure is null ? string.Empty : $" — step {failure.Step ?? Missing} as {failure.Identity ?? Missing}: {failure.Reason ?? Missing}")
                        + (AdministratorActions.EndedBy(d) is { } endedBy ? $" — {endedBy}" : string.Empty));
                    break;

                case "admin":
                    Event(record, RunLane, AdministratorActions.Describe(d));
                    break;

                default:
                    problems.Add($"record {record.Seq} has kind '{record.Kind}', which this reader does not know; it is listed, not interpreted");
                    Event(record, RunLane, $"record of unknown kind '{record.Kind}'");
                    break;
            }
        }

        public RunStory Build()
        {
            var lanes = steps.GroupBy(s => s.Identity, StringComparer.Ordinal)
                .Select(g => new StoryLane(g.Key, [.. g.Select(s => s.ClientId).OfType<string>().Distinct(StringComparer.Ordinal)], [.. g]))
                .ToList();
            return new RunStory(run, lanes, requests, notices, decisions, ignored, gateEvents, refusals, events, problems);
        }

        private static StoryStep StepOf(EvidenceRecord record)
        {
            var d = record.Data;
            var granted = Object(d, "grantedScope") is { } g
                ? new StoryScope(Text(g, "system"), Strings(g, "operations"), Map(g, "records"), Strings(g, "fields"))
                : null;
            var declared = Object(d, "declaredScope") is { } s
                ? new StoryScope(granted?.System, Strings(s, "operations"), Map(s, "records"), Strings(s, "fields"))
                : null;
            var step = new StoryStep(record.Seq, record.At, Text(d, "stepId") ?? Missing, KindOf(d), Text(d, "identity") ?? Missing, Text(d, "clientId"),
                declared, granted, Strings(d, "operations"), Strings(d, "records"), Time(d, "startedAt"), Number(d, "durationMs"), Text(d, "outcome") ?? Missing,
                Text(d, "worker"), Text(d, "outputDigest"));
            if (Object(d, "actedFor") is { } acted)
            {
                step = step with { ActedFor = new StoryActedFor(Text(acted, "subjectId"), Text(acted, "subjectName"), Text(acted, "actorClientId")) };
            }

            var output = Object(Object(Object(d, "call"), "result"), "output");
            return step.Kind switch
            {
                "draft" => step with { Drafted = Leaves(output, MaxDrafted), Model = Text(Object(d, "modelUsage"), "model") },
                "write" => step with
                {
                    Returned = output is null ? [] : [.. output.Where(o => o.Value is JsonObject answer && Text(answer, "id") is not null)
                        .Select(o => new StoryField(o.Key, Text((JsonObject)o.Value!, "id")!))],
                },
                _ => step,
            };
        }

        /// <summary>The step's kind: recorded as such, else told by the activity that ran it (ReadStepActivity: read).</summary>
        private static string KindOf(JsonObject data)
        {
            if (Text(data, "kind") is { Length: > 0 } kind)
            {
                return kind.ToLowerInvariant();
            }

            const string Suffix = "StepActivity";
            return Text(Object(data, "call"), "activity") is { } activity && activity.EndsWith(Suffix, StringComparison.Ordinal) && activity.Length > Suffix.Length
                ? activity[..^Suffix.Length].ToLowerInvariant()
                : Missing;
        }

        private void Event(EvidenceRecord record, string lane, string summary) => events.Add(new StoryEvent(record.Seq, record.At, record.Kind, lane, summary));
    }

    public static string Short(string? digest) => digest is null ? Missing : digest.Length > 12 ? digest[..12] + "…" : digest;

    public static string Join(IReadOnlyList<string> values, string none) => values.Count == 0 ? none : string.Join(", ", values);

    private static string Count(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "?";
}
