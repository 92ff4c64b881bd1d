namespace DurableAgentOps.Runtime.Notifications;

/// <summary>How the connection to the SMTP server is secured (MailKit's <c>SecureSocketOptions</c>).</summary>
internal enum SmtpSecurity
{
    /// <summary>Plain text; only for a server on this machine (smtp4dev) when a password is sent.</summary>
    None,

    /// <summary>Plain connect, then STARTTLS, which must succeed (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,

    /// <summary>TLS on 465, else STARTTLS when the server offers it, else plain: a network attacker can strip the offer.</summary>
    Auto,
}

/// <summary>
/// The email channel (section <c>AgentOps:Email</c>). Without <see cref="Host"/> the channel is off and every send
/// reports "not configured". The password comes from Key Vault or the environment, never from a file in the repository.
/// </summary>
internal sealed class EmailOptions
{
    public const string Section = "AgentOps:Email";

    /// <summary>The SMTP server's host name; unset, email is not configured.</summary>
    public string? Host { get; set; }

    /// <summary>The SMTP port; 0 (the default) takes the usual one for <see cref="Security"/>: 465 for SslOnConnect, else 587 (25 for None).</summary>
    public int Port { get; set; }

    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>Set together with <see cref="Password"/>, or neither (a relay that takes mail without sign-in).</summary>
    public string? UserName { get; set; }

    /// <summary>A secret: never logged, never part of a failure.</summary>
    public string? Password { get; set; }

    /// <summary>The sender's address, e.g. <c>approvals@contoso.example</c>. Required when <see cref="Host"/> is set.</summary>
    public string? From { get; set; }

    /// <summary>The sender's display name.</summary>
    public string FromName { get; set; } = "DurableAgentOps approvals";

    /// <summary>How long one connect, sign-in or send may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Tries after the first on a transient failure (no connection, a dropped one, a 4xx reply).</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first wait before a retry; each next one doubles, up to 30 s.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    internal bool IsConfigured => !string.IsNullOrWhiteSpace(Host);

    /// <summary>Options objects end up in debug output and logs; this one never shows its password.</summary>
    public override string ToString() => $"{Section}: {Host}:{EffectivePort} ({Security}), from {From}, user {UserName ?? "(none)"}, password {(string.IsNullOrEmpty(Password) ? "(none)" : "(set)")}";

    internal int EffectivePort => Port != 0 ? Port : Security switch
    {
        SmtpSecurity.SslOnConnect => 465,
        SmtpSecurity.None => 25,
        _ => 587,
    };
}
