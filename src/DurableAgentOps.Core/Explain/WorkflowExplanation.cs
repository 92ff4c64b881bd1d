using System.Text.Json.Serialization;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Explain;

/// <summary>
/// Whether this host does at run time what an explained line says. Whatever explain shows is either enforced or
/// carries this mark with its reason, so a reviewer never reads a promise the code does not keep. Parts of the
/// explanation without an <see cref="Enforcement"/> (steps, approvers, quorum, timeouts, input, starters) are enforced.
/// </summary>
public sealed record Enforcement(bool Enforced, string? Reason)
{
    public const string NotEnforced = "declared, not enforced by this host";

    public static Enforcement ByThisHost { get; } = new(true, null);

    public static Enforcement DeclaredOnly(string reason) => new(false, reason);

    /// <summary><paramref name="text"/>, followed when not enforced by the mark and its reason.</summary>
    public string Mark(string text) => Enforced ? text : $"{text} ({NotEnforced}: {Reason})";
}

/// <summary>
/// One approver gate as a reviewer needs to see it. Approvers, quorum, timeout, onTimeout (escalating to the next gate
/// at the deadline) and separation of duties are enforced; channels, reminders and escalation say whether they are.
/// </summary>
public sealed record GateExplanation(
    string Id,
    IReadOnlyList<string> Approvers,
    int Quorum,
    string Timeout,
    IReadOnlyList<string> Channels,
    IReadOnlyList<string> Reminders,
    string? EscalatesTo,
    string? EscalatesAfter,
    bool SeparationOfDuties,
    string OnTimeout,
    Enforcement ChannelsEnforcement,
    Enforcement RemindersEnforcement,
    Enforcement EscalatesToEnforcement,
    Enforcement EscalatesAfterEnforcement);

/// <summary>The declared isolation (shared-app or separate-writer), what it means, and whether this host provides it.</summary>
public sealed record IsolationExplanation(string Declared, string Summary, Enforcement Enforcement);

/// <summary>
/// The four answers for one step: identity, scope, automatic or gated, and (workflow-wide) evidence.
/// <see cref="ScopeEnforcement"/> says whether the host checks the scope before a call leaves it (the scope guard).
/// <see cref="Calls"/> says, per operation, the HTTP call its system's declaration makes of it. For a step whose identity
/// acts for a person, <see cref="ActsFor"/> says whom (<c>initiator</c>) and <see cref="Delegation"/> how, in words: the
/// acting app and the intersection of the declared scope with what the person may do (both null for a service identity).
/// </summary>
public sealed record StepExplanation(
    int Number,
    string Id,
    StepKind Kind,
    string Identity,
    string ClientId,
    string? System,
    string? Operation,
    IReadOnlyList<string> Operations,
    IReadOnlyList<string> Records,
    IReadOnlyList<string> Fields,
    bool Automatic,
    string Approval,
    IReadOnlyList<string> Gates,
    Enforcement ScopeEnforcement,
    IReadOnlyList<string>? Calls = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ActsFor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Delegation = null);

/// <summary>One run input field; <see cref="MaxLength"/> is set for strings (declared or the default).</summary>
public sealed record InputExplanation(string Name, string Type, bool Required, string? Pattern, int? MaxLength, string? Description);

/// <summary>Who may start a run: <see cref="Allowed"/> lists the starters (empty: anyone holding the starter role).</summary>
public sealed record StartersExplanation(IReadOnlyList<string> Allowed, string Summary);

/// <summary>
/// The evidence policy and what the host does with it: <see cref="Ledger"/> says what every run's ledger holds; retention
/// and redaction are enforced; <see cref="KeptEnforcement"/> says whether <c>keep</c> is (the ledger keeps every kind).
/// <see cref="Redacted"/> is every path a run redacts (the file's list and the sensitive fields its reads take in);
/// <see cref="SensitiveInClear"/> the sensitive fields the file keeps in clear.
/// </summary>
public sealed record EvidenceExplanation(
    string Retention, IReadOnlyList<string> Kept, IReadOnlyList<string> Redacted, Enforcement Enforcement, string Ledger, Enforcement KeptEnforcement,
    IReadOnlyList<string> SensitiveInClear);

/// <summary>
/// A workflow explained from its file; with <see cref="Host"/> (what a running host said of itself), the lines that host
/// does not enforce are marked.
/// </summary>
public sealed record WorkflowExplanation(
    string Name,
    int Version,
    string Owner,
    string Description,
    string Environment,
    IsolationExplanation Isolation,
    IReadOnlyList<StepExplanation> Steps,
    IReadOnlyList<GateExplanation> Gates,
    EvidenceExplanation Evidence,
    StartersExplanation Starters,
    IReadOnlyList<InputExplanation> Input,
    HostGovernance? Host = null)
{
    /// <summary>The whole input's limit as compact JSON, enforced with the fields' own.</summary>
    public int MaxInputBytes => Runs.RunInputValidator.MaxInputBytes;
}
