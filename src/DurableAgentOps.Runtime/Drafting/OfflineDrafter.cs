using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.AI;

namespace DurableAgentOps.Runtime.Drafting;

/// <summary>
/// The default drafter: an offline, deterministic stand-in for a language model (named as such in every step
/// record). It renders the draft step's <c>template</c> (which the prompt carries) from the step's data, so runs, tests
/// and demos need no model endpoint. Configure Azure OpenAI (see docs) to draft with a real model through the same
/// <see cref="IChatClient"/>; it is asked for the same shape.
/// </summary>
public sealed class OfflineDrafter : IChatClient
{
    public const string ModelId = "offline-template-drafter";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.ToList();
        var data = After(prompt.LastOrDefault(m => m.Role == ChatRole.User)?.Text, DraftPrompt.DataMarker) as JsonObject ?? [];
        var template = After(prompt.FirstOrDefault(m => m.Role == ChatRole.System)?.Text, DraftPrompt.TemplateMarker) as JsonObject;
        var draft = (template is null
            ? new JsonObject { ["summary"] = "No template to draft from: give the draft step a 'template'." }
            : DraftTemplate.Render(template.ToDictionary(p => p.Key, p => p.Value?.ToString() ?? string.Empty, StringComparer.Ordinal), path => RunData.Node(data, path)))
            .ToJsonString();
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, draft))
        {
            ModelId = ModelId,
            Usage = new UsageDetails { InputTokenCount = Words(prompt.Select(m => m.Text)), OutputTokenCount = Words([draft]) },
        });
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>The JSON after <paramref name="marker"/> in a message, or null.</summary>
    private static JsonNode? After(string? text, string marker)
    {
        var at = text?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        return at < 0 ? null : JsonNode.Parse(text![(at + marker.Length)..]);
    }

    private static long Words(IEnumerable<string?> texts) =>
        texts.Sum(t => (long)(t ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
}
