using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.AI;

namespace DurableAgentOps.Runtime.Drafting;

/// <summary>
/// The prompt a draft step sends: instructions by workflow, the shape to answer in (the step's <c>template</c>), and
/// the data the step may use, as JSON.
/// </summary>
internal static class DraftPrompt
{
    public const string DataMarker = "DATA:";

    public const string TemplateMarker = "TEMPLATE:";

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static IList<ChatMessage> Build(StepInvocation input) =>
    [
        new(ChatRole.System,
            $"You draft the '{input.Step.Id}' step of the '{input.Workflow}' workflow. {input.Step.Description} " +
            "Answer with one JSON object only. Include a 'target' object naming the record the change applies to." + Shape(input)),
        new(ChatRole.User, $"{DataMarker}\n{input.Data.ToJsonString(Compact)}"),
    ];

    /// <summary>
    /// The template as one JSON object (output path → text; {path} names data, |date and |+Nd format a date). Last in
    /// the system message, so the offline drafter reads it from there to the end.
    /// </summary>
    private static string Shape(StepInvocation input) => input.Step.Template is not { Count: > 0 } template
        ? string.Empty
        : $"\nAnswer in this shape: each key is a path in your answer, each value what to write there ({{path}} names data).\n{TemplateMarker}\n" +
          new JsonObject(template.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))).ToJsonString(Compact);
}
