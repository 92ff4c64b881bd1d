namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// A refusal that retrying cannot fix (scope guard, 401/403 from a system, bad data): step retry policies skip it.
/// </summary>
internal sealed class StepRefusedException(string message) : Exception(message);
