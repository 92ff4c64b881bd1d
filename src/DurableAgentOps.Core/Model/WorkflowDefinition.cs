using System.Text.Json.Serialization;

namespace DurableAgentOps.Core.Model;

public enum StepKind
{
    Read,
    Draft,
    Route,
    Write,
}

/// <summary>Where the write step's identity lives; explain reports it because it decides whether identities are a real boundary.</summary>
public enum Isolation
{
    /// <summary>All identities are attached to one app: any code in it could use any of them.</summary>
    SharedApp,

    /// <summary>Asks for the write step to run in its own worker holding only the writer identity; no host provides it yet.</summary>
    SeparateWriter,
}

public enum TimeoutAction
{
    Reject,
    Escalate,
    Cancel,
}

/// <summary>
/// One run input field. <see cref="MaxLength"/> applies to strings only; null means
/// <see cref="DefaultMaxLength"/>, so a string input is always bounded.
/// </summary>
public sealed record InputField(string Name, string Type, bool Required, string? Pattern, string? Description, int? MaxLength = null)
{
    public const int DefaultMaxLength = 1000;

    public const int MaxMaxLength = 8000;

    /// <summary>The longest string value accepted, in characters (Unicode scalar values); null for other types.</summary>
    public int? StringLimit => Type == "string" ? MaxLength ?? DefaultMaxLength : null;
}

public sealed record RetryPolicy(int MaxAttempts, string? Backoff);

/// <summary>What a step declares it may touch; checked against the identity's grants and enforced at run time.</summary>
public sealed record StepScope(
    IReadOnlyList<string> Operations,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Records,
    IReadOnlyList<string> Fields)
{
    public static StepScope Empty { get; } = new([], new Dictionary<string, IReadOnlyList<string>>(), []);
}

/// <summary>A route: the first whose condition holds wins; one without a condition is the default.</summary>
public sealed record RouteDefinition(string To, string? When, string? Gate);

public enum ApprovalMode
{
    /// <summary>No approval declared (only valid for non-write steps).</summary>
    Unspecified,

    /// <summary>Explicitly automatic, with a justification.</summary>
    None,

    /// <summary>Always waits for one gate (or for it only when <see cref="ApprovalPolicy.When"/> holds).</summary>
    Gate,

    /// <summary>Waits for the gate the named route step picked.</summary>
    Routed,
}

public sealed record ApprovalPolicy(ApprovalMode Mode, string? Gate, string? When, string? RouteStep, string? Justification)
{
    public static ApprovalPolicy Unspecified { get; } = new(ApprovalMode.Unspecified, null, null, null, null);
}

/// <summary>
/// One step. <see cref="Template"/> (draft steps) is the draft's shape: output path (task.subject) → text with
/// <c>{data.path}</c> placeholders; the offline drafter renders it from the step's data, and a model is asked for the same
/// shape. Left out of a snapshot's JSON when absent, so snapshots from before templates hash as they did.
/// </summary>
public sealed record StepDefinition(
    string Id,
    StepKind Kind,
    string Identity,
    string? System,
    string? Operation,
    StepScope Scope,
    IReadOnlyList<string> From,
    RetryPolicy? Retry,
    IReadOnlyList<RouteDefinition> Routes,
    ApprovalPolicy Approval,
    string? Description,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, string>? Template = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] Delegation ActsFor = Delegation.None);

public enum ApproverKind
{
    Person,
    Group,
}

public sealed record Approver(ApproverKind Kind, string Name);

public sealed record Escalation(string After, string To);

public sealed record GateDefinition(
    string Id,
    IReadOnlyList<Approver> Approvers,
    IReadOnlyList<string> Channels,
    string Timeout,
    IReadOnlyList<string> Reminders,
    Escalation? Escalation,
    int Quorum,
    bool SeparationOfDuties,
    TimeoutAction OnTimeout);

/// <summary>Who may start a workflow: a person (by user principal name), a group (by catalogue name) or an app role.</summary>
public enum StarterKind
{
    Person,
    Group,
    Role,
}

public sealed record Starter(StarterKind Kind, string Name);

/// <summary>
/// The app roles the hosts authorise by: Entra app roles of the host's app registration (the token's <c>roles</c>
/// claim), or the dev directory's roles locally. A workflow's <c>starters</c> narrow <see cref="Starter"/>, never
/// widen it. Approving needs no role: the gate names its approvers.
/// </summary>
public static class AppRoles
{
    /// <summary>Needed to start any run.</summary>
    public const string Starter = "AgentOps.Starter";

    /// <summary>May read every run's status.</summary>
    public const string Reader = "AgentOps.Reader";

    /// <summary>May find, read, verify, export and replay every run's evidence (it names people and what they did).</summary>
    public const string Investigator = "AgentOps.Investigator";

    /// <summary>May use the instance API (list, raise events, suspend, terminate, purge).</summary>
    public const string Administrator = "AgentOps.Administrator";
}

/// <summary>
/// What a run's evidence keeps and for how long. <see cref="Redact"/> lists paths sealed before they reach durable state;
/// sensitive fields of the records a run reads are redacted too unless <see cref="KeepInClear"/> lists them (see
/// <see cref="Redaction"/>). KeepInClear is left out of the JSON when the file has none, so earlier snapshots hash the same.
/// </summary>
public sealed record EvidencePolicy(
    string Retention,
    IReadOnlyList<string> Keep,
    IReadOnlyList<string> Redact,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? KeepInClear = null)
{
    /// <summary>Record kinds a run can keep; all of them unless the file narrows the list.</summary>
    public static IReadOnlyList<string> AllKinds { get; } = ["inputs", "reads", "drafts", "routes", "approvals", "writes", "model-usage"];
}

public sealed record WorkflowDefinition(
    string Name,
    int Version,
    string Owner,
    string Description,
    Isolation Isolation,
    IReadOnlyList<InputField> Input,
    IReadOnlyList<StepDefinition> Steps,
    IReadOnlyList<GateDefinition> Gates,
    EvidencePolicy Evidence,
    IReadOnlyList<Starter>? Starters = null)
{
    /// <summary>Who may start a run besides holding the starter role; empty means anyone who holds it.</summary>
    public IReadOnlyList<Starter> Starters { get; init; } = Starters ?? [];

    public StepDefinition? FindStep(string id) => Steps.FirstOrDefault(s => s.Id == id);

    public GateDefinition? FindGate(string id) => Gates.FirstOrDefault(g => g.Id == id);
}
