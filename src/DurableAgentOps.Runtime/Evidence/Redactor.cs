using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Redaction where data enters durable state: a value at one of the workflow's <c>evidence.redact</c> paths is sealed in
/// the vault and replaced by a marker, <c>«redacted:hmac-sha256:…»</c>, before an activity returns it. A step that needs
/// the value reveals it inside the activity only; whatever it returns is scrubbed of the values it revealed, so they
/// never reach history, status, logs or evidence in clear.
/// </summary>
public sealed class Redactor(PayloadVault vault)
{
    public const string MarkerStart = "«redacted:";
    public const string MarkerEnd = "»";

    public static string Marker(string digest) => MarkerStart + digest + MarkerEnd;

    /// <summary>
    /// Seals the values of <paramref name="output"/> (a step's output, known to later steps as <paramref name="alias"/>)
    /// at the paths that start with that alias, e.g. <c>call.transcript</c> for alias <c>call</c>.
    /// </summary>
    public async Task<JsonObject> RedactAsync(string runId, string alias, JsonObject output, IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths.Where(p => p.StartsWith(alias + ".", StringComparison.Ordinal)))
        {
            await RedactAtAsync(runId, output, path[(alias.Length + 1)..].Split('.'), cancellationToken);
        }

        return output;
    }

    /// <summary>
    /// A copy of <paramref name="node"/> with every marker replaced by its clear value, and the values it revealed
    /// (clear → marker) for <see cref="Scrub"/>. For use inside an activity only.
    /// </summary>
    public async Task<(JsonNode? Node, IReadOnlyDictionary<string, string> Revealed)> RevealAsync(string runId, JsonNode? node, CancellationToken cancellationToken)
    {
        var revealed = new Dictionary<string, string>(StringComparer.Ordinal);
        var copy = node?.DeepClone();
        foreach (var value in Strings(copy).ToList())
        {
            var text = value.GetValue<string>();
            var changed = text;
            for (var at = changed.IndexOf(MarkerStart, StringComparison.Ordinal); at >= 0; at = changed.IndexOf(MarkerStart, at + 1, StringComparison.Ordinal))
            {
                var end = changed.IndexOf(MarkerEnd, at, StringComparison.Ordinal);
                if (end < 0)
                {
                    break;
                }

                var marker = changed[at..(end + MarkerEnd.Length)];
                var digest = marker[MarkerStart.Length..^MarkerEnd.Length];
                if (IsDigest(digest) && await vault.OpenAsync(runId, digest, cancellationToken) is { } clear)
                {
                    revealed[clear] = marker;
                    changed = string.Concat(changed.AsSpan(0, at), clear, changed.AsSpan(end + MarkerEnd.Length));
                    at += clear.Length - 1;
                }
            }

            if (!ReferenceEquals(changed, text))
            {
                value.ReplaceWith(changed);
            }
        }

        return (copy, revealed);
    }

    /// <summary>A copy of <paramref name="node"/> in which every revealed clear value is its marker again.</summary>
    public static JsonNode? Scrub(JsonNode? node, IReadOnlyDictionary<string, string> revealed)
    {
        ArgumentNullException.ThrowIfNull(revealed);
        var copy = node?.DeepClone();
        if (revealed.Count == 0)
        {
            return copy;
        }

        foreach (var value in Strings(copy).ToList())
        {
            var text = value.GetValue<string>();
            var scrubbed = revealed.Where(r => r.Key.Length > 0).OrderByDescending(r => r.Key.Length)
                .Aggregate(text, (current, r) => current.Replace(r.Key, r.Value, StringComparison.Ordinal));
            if (scrubbed != text)
            {
                value.ReplaceWith(scrubbed);
            }
        }

        return copy;
    }

    /// <summary>
    /// Scrubs a text (a prompt, a message) the same way, including the values as JSON wrote them into it: a prompt built
    /// from JSON holds <c>+</c> as <c>\u002B</c>, an apostrophe as <c>\u0027</c>, non-ASCII letters escaped.
    /// </summary>
    public static string ScrubText(string text, IReadOnlyDictionary<string, string> revealed) =>
        revealed.Where(r => r.Key.Length > 0)
            .SelectMany(r => WrittenForms(r.Key).Select(form => (Form: form, Marker: r.Value)))
            .OrderByDescending(r => r.Form.Length)
            .Aggregate(text ?? string.Empty, (current, r) => current.Replace(r.Form, r.Marker, StringComparison.Ordinal));

    /// <summary>A clear value as it may appear in a text: as is, and as JSON writes it with the default and the relaxed encoder.</summary>
    private static IEnumerable<string> WrittenForms(string clear) => new[]
    {
        clear,
        System.Text.Json.JsonEncodedText.Encode(clear).ToString(),
        System.Text.Json.JsonEncodedText.Encode(clear, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(),
    }.Distinct(StringComparer.Ordinal);

    /// <summary>
    /// A whole marker this run's vault can open: what <see cref="RedactAsync"/> wrote before. Anything else that merely
    /// starts like one (a customer can type <c>«redacted:</c>) is data, and sealed like any value.
    /// </summary>
    private async Task<bool> IsOwnMarkerAsync(string runId, string text, CancellationToken cancellationToken) =>
        text.StartsWith(MarkerStart, StringComparison.Ordinal) && text.EndsWith(MarkerEnd, StringComparison.Ordinal)
        && IsDigest(text[MarkerStart.Length..^MarkerEnd.Length])
        && await vault.OpenAsync(runId, text[MarkerStart.Length..^MarkerEnd.Length], cancellationToken) is not null;

    private async Task RedactAtAsync(string runId, JsonNode? node, ReadOnlyMemory<string> path, CancellationToken cancellationToken)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array.ToList())
                {
                    await RedactAtAsync(runId, item, path, cancellationToken);
                }

                break;
            case JsonObject obj when obj[path.Span[0]] is { } child:
                if (path.Length > 1)
                {
                    await RedactAtAsync(runId, child, path[1..], cancellationToken);
                }
                else if (!(child is JsonValue v && v.TryGetValue<string>(out var s) && await IsOwnMarkerAsync(runId, s, cancellationToken)))
                {
                    var clear = child is JsonValue value && value.TryGetValue<string>(out var text) ? text : child.ToJsonString();
                    obj[path.Span[0]] = Marker(await vault.SealAsync(runId, clear, cancellationToken));
                }

                break;
        }
    }

    /// <summary>What the vault names a sealed value by: <c>hmac-sha256:</c> and 64 lowercase hex digits.</summary>
    private static bool IsDigest(string text) =>
        text.Length == 76 && text.StartsWith("hmac-sha256:", StringComparison.Ordinal) && text[12..].All(char.IsAsciiHexDigitLower);

    private static IEnumerable<JsonValue> Strings(JsonNode? node) => node switch
    {
        JsonObject obj => obj.Select(p => p.Value).SelectMany(Strings),
        JsonArray array => array.SelectMany(Strings),
        JsonValue value when value.TryGetValue<string>(out _) => [value],
        _ => [],
    };
}
