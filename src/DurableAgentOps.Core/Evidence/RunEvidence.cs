namespace DurableAgentOps.Core.Evidence;

/// <summary>A run's evidence as storage returns it: records in storage order, the head and its signature (apart).</summary>
public sealed record RunEvidence(IReadOnlyList<StoredRecord> Records, RunHead? Head, string? HeadSignature);
