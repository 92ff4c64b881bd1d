using System.Text.Json;

namespace DurableAgentOps.Cli.HostApi;

// The host's run API as the CLI reads it. The records declare the fields the CLI uses and a few it does not, kept to
// document the answer (e.g. statusUrl, phase). Most are nullable: unknown fields are ignored and missing ones stay null,
// so a newer or older host does not break the CLI.

internal static class ApiJson
{
    /// <summary>camelCase and case-insensitive, as the host writes.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);
}

/// <summary>RFC 9457 problem details; <see cref="Errors"/> lists bad input fields on a 400.</summary>
internal sealed record ProblemDto(string? Title, string? Detail, int? Status, IReadOnlyList<FieldErrorDto>? Errors);

internal sealed record FieldErrorDto(string? Field, string? Message);

/// <summary>A verified principal as the host shows it: the id it compares, and names to read.</summary>
internal sealed record PrincipalDto(string? Id, string? Name, string? Upn);

/// <summary>The 202 answer to POST /api/workflows/{name}/runs.</summary>
internal sealed record RunStartedDto(string? RunId, string? Workflow, PrincipalDto? Initiator, string? StatusUrl, string? RunPage = null);

/// <summary>The 202 answer to POST /api/runs/{id}/approvals.</summary>
internal sealed record DecisionRecordedDto(
    string? RunId, string? Gate, string? StepId, string? DecisionId, PrincipalDto? Approver, bool? Approved, string? MatchedAs, bool? AlreadyRecorded);

/// <summary>The 202 answer to POST /api/runs/{id}/resume.</summary>
internal sealed record ResumeRecordedDto(
    string? RunId, string? StepId, int? Attempt, PrincipalDto? ResumedBy, DateTimeOffset? At, WriteCallsDto? Calls, bool? AlreadyRecorded);

/// <summary>The calls of an incomplete write: made, sent but not confirmed, not sent.</summary>
internal sealed record WriteCallsDto(IReadOnlyList<string>? Made, IReadOnlyList<string>? Failed, IReadOnlyList<string>? NotSent);

/// <summary>GET /api/runs/{id}.</summary>
internal sealed record RunStatusDto(
    string? RunId,
    string? Workflow,
    string? Status,
    string? Phase,
    string? CurrentStep,
    string? Outcome,
    WaitingForDto? WaitingFor,
    IReadOnlyList<StepDto>? Steps,
    FailureDto? Failure,
    IReadOnlyList<string>? GovernanceOff = null)
{
    /// <summary>Statuses after which nothing more happens (Suspended is not one: it can resume).</summary>
    public bool IsFinished => Status is "Completed" or "Failed" or "Terminated" or "Canceled";
}

internal sealed record WaitingForDto(string? StepId, string? Gate, IReadOnlyList<string>? Approvers, int? Quorum, string? Timeout, int? ApprovalsSoFar);

/// <summary>One finished step. <see cref="Kind"/> is kept as JSON: hosts may write the step kind as a name or a number.</summary>
internal sealed record StepDto(
    string? StepId,
    JsonElement Kind,
    string? Identity,
    string? ClientId,
    IReadOnlyList<string>? Operations,
    IReadOnlyList<string>? Records,
    int? DurationMs,
    string? Outcome,
    ActedForDto? ActedFor = null);

/// <summary>A delegated step's two principals: the person it acted for and the app that acted.</summary>
internal sealed record ActedForDto(string? SubjectId, string? SubjectName, string? ActorClientId);

internal sealed record FailureDto(string? Step, string? Identity, string? Reason);

/// <summary>GET /api/approvals: a page of the gates the caller can answer now, and the next page's token.</summary>
internal sealed record PendingApprovalsDto(PrincipalDto? Approver, IReadOnlyList<PendingApprovalDto>? Pending, string? Next = null);

internal sealed record PendingApprovalDto(
    string? RunId, string? Workflow, string? StepId, string? Gate, string? Change, DateTime? Deadline, int? ApprovalsSoFar, int? Quorum, string? YouAre);

/// <summary>
/// GET /api/host: the host's environment and which governance it enforces. Null unless the host says both switches, so
/// an answer that is not this one is never read as "all enforced". A host that does not say whether it has a writer is
/// read as having none (it refuses separate-writer writes).
/// </summary>
internal sealed record HostDto(string? Environment, bool? Development, string? IdentitiesEnvironment, bool? ScopeGuard, bool? Evidence, bool? SeparateWriter = null, bool? ActsForPeople = null)
{
    public Core.Governance.HostGovernance? ToGovernance() => ScopeGuard is { } guard && Evidence is { } evidence
        ? new(Environment ?? "(unknown)", Development ?? false, IdentitiesEnvironment ?? Core.Model.IdentityCatalogue.LocalEnvironment, guard, evidence, SeparateWriter ?? false, ActsForPeople ?? false)
        : null;
}
