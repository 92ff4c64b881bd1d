using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// The orchestration input: which deployed definition runs (name and SHA-256; the orchestration loads it from the
/// definition store, so no input can carry a definition of its own), the validated input, and the verified principal
/// who started it. <see cref="GovernanceOff"/> is what the starting host had switched off (GovernanceSwitches names),
/// recorded in the run's evidence; it never switches the scope guard off (each activity obeys its own host's settings).
/// Evidence is the orchestration's own doing, so <see cref="Evidence"/> in the input decides it; a run whose input is
/// not the one the run service issued (<see cref="RunIssue"/>) is refused by its first activity before it records or
/// does anything (<see cref="RunLogic.IssuedStart"/>). <see cref="GovernanceOff"/> is also the logic version of evidence
/// off: null (a run started before it was recorded) keeps no record at all; a list, even empty, records the run's start
/// when evidence is off. <see cref="LogicVersion"/> is the orchestration logic the run started with (<see cref="RunLogic"/>).
/// <see cref="Admission"/> is the run's place among the runs advancing to their gate (null: no limit).
/// </summary>
public sealed record RunRequest(
    string RunId, string Workflow, string DefinitionSha256, JsonObject Input, PrincipalRef Initiator, string Environment, bool Evidence = true,
    IReadOnlyList<string>? GovernanceOff = null, int LogicVersion = RunLogic.Original,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RunAdmission? Admission = null);

/// <summary>
/// The run's place among the runs advancing to their first gate, as the run service asked for it when it started the
/// run: <see cref="Limit"/> places (<c>AgentOps:Admission:MaxActiveRuns</c>), the run's place in the queue
/// (<see cref="Since"/>), and whether it was admitted at once. Admission is load control, not governance.
/// </summary>
public sealed record RunAdmission(int Limit, DateTime Since, bool Admitted);

/// <summary>
/// A deployed definition by name and hash: the run's first activity's input. <see cref="RunDigest"/> (runs of
/// <see cref="RunLogic.IssuedStart"/> or later) is <see cref="RunIssue.Digest"/> of the run's own input, computed by the
/// orchestrator, so the activity can check that the run service issued exactly this start.
/// </summary>
public sealed record DefinitionRef(
    string Workflow, string Sha256, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RunDigest = null);

/// <summary>
/// What one step activity gets: its definition, the identity it runs as, and the data its <c>from</c> steps produced; the
/// declarations of the operations it may call, as the run's snapshot pinned them; a write after a gate also gets the
/// digest of the change that was approved; and the run's evidence so far, if it rides here.
/// </summary>
public sealed record StepInvocation(
    string RunId, string Workflow, StepDefinition Step, IdentityDefinition Identity, string ClientId, JsonObject Data, string? ApprovedChangeDigest = null,
    IReadOnlyList<string>? RedactPaths = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EvidenceBatch? Evidence = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<SystemDeclaration>? Declarations = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] WriterRun? Writer = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PrincipalRef? ActingFor = null) : ICarriesEvidence
{
    /// <summary>The workflow's <c>evidence.redact</c> paths: values there are sealed before an output leaves the activity.</summary>
    public IReadOnlyList<string> Redact => RedactPaths ?? [];
}

/// <summary>
/// Set on a write step of a separate-writer workflow (runs from <see cref="RunLogic.WriterIntents"/> on): the write is
/// handed to the writer, with what the writer needs to check it against the pinned definition and the gate.
/// </summary>
public sealed record WriterRun(string DefinitionSha256, string InitiatorId, string Environment);

/// <summary>Model use of a draft step: which model, the prompt, and tokens in and out.</summary>
public sealed record ModelUsage(string Model, string Prompt, long InputTokens, long OutputTokens);

/// <summary>Model use as a run's status shows it: no prompt (that is detail, not status).</summary>
public sealed record ModelTokens(string Model, long InputTokens, long OutputTokens);

/// <summary>
/// What one step did, under which identity and scope, with its output: an activity's result, kept in the
/// orchestration history (the raw material of the evidence ledger).
/// </summary>
public sealed record StepRecord(
    string StepId,
    StepKind Kind,
    string Identity,
    string ClientId,
    StepScope Scope,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Records,
    DateTimeOffset StartedAt,
    int DurationMs,
    string Outcome,
    string Worker,
    JsonObject? Output,
    ModelUsage? ModelUsage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ActedFor? ActedFor = null)
{
    public StepSummary Summarize() => new(StepId, Kind, Identity, ClientId, Scope, Operations, Records, StartedAt, DurationMs, Outcome, Worker,
        ModelUsage is null ? null : new ModelTokens(ModelUsage.Model, ModelUsage.InputTokens, ModelUsage.OutputTokens), ActedFor);
}

/// <summary>
/// A delegated step's two principals, as the token the system was called with named them: the person it acted for
/// (<see cref="SubjectId"/>, tenant and object id as <see cref="PrincipalRef.Id"/> spells them) and the app that acted
/// (<see cref="ActorClientId"/>). Null on a step that ran under a service identity.
/// </summary>
public sealed record ActedFor(string SubjectId, string SubjectName, string ActorClientId);

/// <summary>A step as the run's status shows it: who acted, with what scope, on which records — not what it read.</summary>
public sealed record StepSummary(
    string StepId,
    StepKind Kind,
    string Identity,
    string ClientId,
    StepScope Scope,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Records,
    DateTimeOffset StartedAt,
    int DurationMs,
    string Outcome,
    string Worker,
    ModelTokens? Model,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ActedFor? ActedFor = null);

/// <summary>The <c>approval</c> event's payload: only the id of a decision the approval service recorded.</summary>
internal sealed record ApprovalSignal(string DecisionId);

/// <summary>
/// A decision or event as the run recorded it, with whether it counted. Ignored events (not recorded by the approval
/// service, for another gate, repeated) keep their reason; they have no principal when none could be verified.
/// </summary>
public sealed record ApprovalRecord(
    string StepId,
    string Gate,
    string? DecisionId,
    PrincipalRef? Approver,
    bool? Approved,
    string? Channel,
    string? MatchedAs,
    string? Comment,
    DateTime At,
    string Counted,
    string? LinkId = null,
    string? ChangeDigest = null);

/// <summary>
/// The gate a run waits at: who may answer, the exact change (by digest, with a summary), why this gate applies, and
/// whether anyone could be told.
/// </summary>
public sealed record ApprovalWait(
    string StepId, string Gate, IReadOnlyList<string> Approvers, int Quorum, string Timeout, DateTime ExpiresAt,
    int ApprovalsSoFar, bool SeparationOfDuties, PrincipalRef Initiator,
    string? ChangeDigest = null, string? ChangeSummary = null, string? Why = null, string? NotificationProblem = null,
    IReadOnlyList<RunFact>? Read = null);

/// <summary>A value the run read that a decision rests on (a data path and its value as the reading step recorded it).</summary>
public sealed record RunFact(string Path, string Value);

/// <summary>One notice a gate sent (or failed to), as the run's status shows it.</summary>
public sealed record NoticeSummary(string Gate, string Kind, DateTime At, int Recipients, IReadOnlyList<string> Sent, IReadOnlyList<string> Failures);

/// <summary>Why a run stopped: the step, its identity and the reason.</summary>
public sealed record RunFailure(string Step, string Identity, string Reason);

/// <summary>The calls of a write step by operation: confirmed by the system, sent but not confirmed (perhaps applied), never sent.</summary>
public sealed record WriteCalls(IReadOnlyList<string> Made, IReadOnlyList<string> Failed, IReadOnlyList<string> NotSent);

/// <summary>
/// A write that stopped part way after its retries and waits for an administrator's resume until
/// <see cref="ResumeBy"/>: which calls were made and which were not, why, and the id a resume of this
/// <see cref="Attempt"/> is recorded under (a resume sends the same approved change with the same idempotency keys).
/// </summary>
public sealed record WriteIncomplete(string StepId, WriteCalls Calls, string Reason, DateTime Since, DateTime ResumeBy, int Attempt, string ResumeId);

/// <summary>Live progress of a run (the orchestration's custom status): a summary, small whatever the data.</summary>
public sealed record RunProgress(
    string Phase,
    string? CurrentStep,
    IReadOnlyList<StepSummary> Steps,
    IReadOnlyList<ApprovalRecord> Approvals,
    ApprovalWait? WaitingFor,
    RunFailure? Failure,
    int IgnoredEvents = 0,
    IReadOnlyList<NoticeSummary>? Notices = null,
    WriteIncomplete? Incomplete = null);

/// <summary>The run's result: completed, rejected, timed-out or cancelled, with every step and decision.</summary>
public sealed record RunResult(string Outcome, IReadOnlyList<StepSummary> Steps, IReadOnlyList<ApprovalRecord> Approvals);
