namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Which definition a replay ran (today's deployed one, or the run's own) and whether today's differs from the one
/// the run started with. A changed definition is information, not a divergence: what it changes shows as one.
/// </summary>
public sealed record DefinitionCheck(string Workflow, string RecordedSha256, string? CurrentSha256, bool ReplayedCurrent)
{
    public bool Changed => CurrentSha256 is not null && !string.Equals(CurrentSha256, RecordedSha256, StringComparison.Ordinal);
}
