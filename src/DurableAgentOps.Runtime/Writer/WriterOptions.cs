namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// The writer of separate-writer workflows (<c>AgentOps:Writer</c>). In the main app: where the writer listens
/// (<see cref="Url"/>) and the key its write intents are signed with; in the writer: the same key, to verify them.
/// </summary>
public sealed class WriterOptions
{
    public const string Section = "AgentOps:Writer";

    /// <summary>
    /// The writer's connection to the run storage it reads (definitions, decisions, the vault): a connection string, or
    /// <c>__accountName</c> / <c>__credential</c> / <c>__clientId</c> as <c>AzureWebJobsStorage</c>. Unset, the writer
    /// reads them from its own <c>AzureWebJobsStorage</c> (one account locally).
    /// </summary>
    public const string RunStorageSetting = "AgentOps:Writer:RunStorage";

    /// <summary>The writer's base URL (the main app); unset, this app has no writer and refuses separate-writer writes.</summary>
    public Uri? Url { get; set; }

    /// <summary>
    /// Base64 of at least 32 bytes, shared by the main app and the writer only: a key of its own rather than the link
    /// key, so the writer, which holds it, can never mint an approval link.
    /// </summary>
    public string? IntentKey { get; set; }

    /// <summary>How long a signed intent stays usable after it is issued: long enough for one write attempt.</summary>
    public TimeSpan IntentLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The key's bytes, or null when unset or not base64 of at least 32 bytes (the validator names which).</summary>
    public byte[]? Key => IntentKey is { Length: > 0 } text && TryDecode(text) is { Length: >= 32 } key ? key : null;

    internal static byte[]? TryDecode(string text)
    {
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
