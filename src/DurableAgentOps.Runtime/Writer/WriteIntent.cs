using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// What the main app asks the writer to write, for one write step of one run: the pinned definition it runs, the identities environment, the run
/// data the step's calls are built from, the digest of the approved change and the decisions that approved it. The
/// writer trusts none of it on its own say: it rebuilds the calls from the pinned declarations, and reads the decisions
/// back from the decision store (see <see cref="WriterService"/>).
/// </summary>
public sealed record WriteIntent(
    string RunId,
    string Workflow,
    string DefinitionSha256,
    string StepId,
    string Environment,
    string InitiatorId,
    string? ChangeDigest,
    IReadOnlyList<string> DecisionIds,
    JsonObject Data,
    DateTimeOffset IssuedAt)
{
    public const int CurrentVersion = 1;

    public int Version { get; init; } = CurrentVersion;
}
