using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A run's first activity: the deployed definition it names, by workflow and SHA-256, from the definition store,
/// its content re-hashed. Anything else (an unknown hash, altered content) fails the run before any step.
/// </summary>
public sealed class LoadDefinitionActivity(DefinitionStore definitions) : TaskActivity<DefinitionRef, WorkflowSnapshot>
{
    public const string Name = nameof(LoadDefinitionActivity);

    public override Task<WorkflowSnapshot> RunAsync(TaskActivityContext context, DefinitionRef input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return definitions.LoadAsync(input.Workflow ?? string.Empty, input.Sha256 ?? string.Empty, CancellationToken.None);
    }
}
