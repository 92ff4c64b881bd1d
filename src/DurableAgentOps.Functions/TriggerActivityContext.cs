using Microsoft.DurableTask;

namespace DurableAgentOps.Functions;

/// <summary>What an activity knows of its invocation, taken from the Functions trigger.</summary>
internal sealed class TriggerActivityContext(TaskName name, string instanceId) : TaskActivityContext
{
    public override TaskName Name { get; } = name;

    public override string InstanceId { get; } = instanceId;
}
