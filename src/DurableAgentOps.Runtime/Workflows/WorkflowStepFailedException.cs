using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>The run ended because a step failed; the message names step, identity and reason.</summary>
internal sealed class WorkflowStepFailedException(RunFailure failure)
    : Exception($"step '{failure.Step}' (identity {failure.Identity}) failed: {failure.Reason}")
{
    public RunFailure Failure { get; } = failure;
}
