namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A refusal that retrying cannot fix (scope guard, 401/403 from a system, bad data): step retry policies skip it.
/// </summary>
public sealed class StepRefusedException(string message) : Exception(message);

/// <summary>The run ended because a step failed; the message names step, identity and reason.</summary>
public sealed class WorkflowStepFailedException(RunFailure failure)
    : Exception($"step '{failure.Step}' (identity {failure.Identity}) failed: {failure.Reason}")
{
    public RunFailure Failure { get; } = failure;
}
