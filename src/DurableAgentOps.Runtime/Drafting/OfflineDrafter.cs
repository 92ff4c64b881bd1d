using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace DurableAgentOps.Runtime.Drafting;

/// <summary>
/// The default drafter: an offline, deterministic stand-in for a language model (named as such in every step
/// record). It writes drafts from the read data with fixed templates, so runs, tests and demos need no model
/// endpoint. Configure Azure OpenAI (see docs) to draft with a real model through the same <see cref="IChatClient"/>.
/// </summary>
public sealed class OfflineDrafter : IChatClient
{
    public const string ModelId = "offline-template-drafter";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompt = messages.ToList();
        var text = prompt.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? string.Empty;
        var at = text.IndexOf(DraftPrompt.DataMarker, StringComparison.Ordinal);
        var data = at < 0 ? new JsonObject() : JsonNode.Parse(text[(at + DraftPrompt.DataMarker.Length)..]) as JsonObject ?? [];
        var draft = Draft(data).ToJsonString();
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

    private static JsonObject Draft(JsonObject data)
    {
        if (data["account"] is JsonObject account)
        {
            var name = Text(account, "name") ?? "the customer";
            var call = data["call"] as JsonObject;
            var callDate = DateTimeOffset.TryParse(Text(call, "date"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d)
                ? DateOnly.FromDateTime(d.UtcDateTime)
                : (DateOnly?)null;
            return new JsonObject
            {
                ["target"] = new JsonObject { ["accountId"] = Text(account, "id"), ["region"] = Text(account, "region") },
                ["task"] = new JsonObject
                {
                    ["subject"] = $"Follow up with {name}",
                    ["body"] = $"Follow up on the call of {Text(call, "date") ?? "recently"}: {(Text(call, "summary") ?? "no call notes").TrimEnd('.')}. Outcome: {Text(call, "outcome") ?? "unknown"}.",
                    ["dueDate"] = callDate?.AddDays(3).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["ownerId"] = Text(account, "ownerId"),
                },
                ["note"] = new JsonObject
                {
                    ["subject"] = $"Call summary: {name}",
                    ["body"] = $"{Text(call, "summary") ?? "No call notes."} Next step: follow-up task for {Text(account, "ownerId") ?? "the owner"}.",
                },
            };
        }

        if (data["invoice"] is JsonObject invoice)
        {
            var po = data["purchaseOrder"] as JsonObject;
            var amount = Number(invoice, "amount");
            var ordered = Number(po, "amount");
            var mismatch = ordered is not null && amount is not null && amount > ordered;
            return new JsonObject
            {
                ["target"] = new JsonObject { ["invoiceId"] = Text(invoice, "id"), ["entity"] = Text(invoice, "entity") },
                ["exception"] = new JsonObject
                {
                    ["decision"] = mismatch ? "hold" : "release",
                    ["reason"] = mismatch ? $"invoice amount {amount} exceeds purchase order amount {ordered}" : "invoice matches its purchase order",
                    ["summary"] = $"Invoice {Text(invoice, "id")} from {Text(invoice, "vendor") ?? "unknown vendor"} for {amount} {Text(invoice, "currency")} against PO {Text(invoice, "poNumber") ?? "none"}.",
                },
            };
        }

        if (data["ticket"] is JsonObject ticket)
        {
            return new JsonObject
            {
                ["target"] = new JsonObject { ["ticketId"] = Text(ticket, "id"), ["region"] = Text(ticket, "region") },
                ["assignment"] = new JsonObject
                {
                    ["triageSummary"] = $"{Text(ticket, "priority") ?? "P?"} {Text(ticket, "subject") ?? "ticket"}: {Text(ticket, "description") ?? string.Empty}".Trim(),
                },
            };
        }

        return new JsonObject { ["summary"] = "No data to draft from." };
    }

    private static string? Text(JsonObject? obj, string key) => obj?[key] is JsonValue v ? v.ToString() : null;

    private static decimal? Number(JsonObject? obj, string key) =>
        obj?[key] is JsonValue v && decimal.TryParse(v.ToString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var n) ? n : null;

    private static long Words(IEnumerable<string?> texts) =>
        texts.Sum(t => (long)(t ?? string.Empty).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length);
}
