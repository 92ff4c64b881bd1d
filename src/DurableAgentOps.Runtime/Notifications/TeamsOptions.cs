namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The Teams channel (section <c>AgentOps:Teams</c>): a Power Automate Workflows webhook ("When a Teams webhook request
/// is received") that posts what it is sent to a channel. Its URL carries a <c>sig=</c> credential: it comes from Key
/// Vault or the environment, and is never logged, shown in a failure or quoted by a validation message.
/// </summary>
internal sealed class TeamsOptions
{
    public const string Section = "AgentOps:Teams";

    /// <summary>The workflow's HTTP POST URL; unset, Teams is not configured. https (http only to this machine, for tests).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>How long one post may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tries after the first on 429, 408, 5xx or a network failure.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first wait before a retry when the answer names none; each next one doubles, up to 30 s.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(WebhookUrl);

    /// <summary>Options objects end up in debug output and logs; this one never shows its URL.</summary>
    public override string ToString() => $"{Section}: webhook {(IsConfigured ? "(set)" : "(none)")}";
}
