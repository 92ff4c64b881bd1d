using System.Text.Json;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.AI;

namespace DurableAgentOps.Runtime.Drafting;

/// <summary>The prompt a draft step sends: instructions by workflow, and the data the step may use, as JSON.</summary>
internal static class DraftPrompt
{
    public const string DataMarker = "DATA:";

    public static IList<ChatMessage> Build(StepInvocation input) =>
    [
        new(ChatRole.System,
            $"You draft the '{input.Step.Id}' step of the '{input.Workflow}' workflow. {input.Step.Description} " +
            "Answer with one JSON object only. Include a 'target' object naming the record the change applies to."),
        new(ChatRole.User, $"{DataMarker}\n{input.Data.ToJsonString(new JsonSerializerOptions { WriteIndented = false })}"),
    ];
}
