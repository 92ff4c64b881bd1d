using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>A run as the search index lists it: its summary, and the row's signed copy of it (null in rows written before rows were signed).</summary>
public sealed record IndexedRun(string RunId, RunSummary Summary, string? Seal, string? SealSignature);
