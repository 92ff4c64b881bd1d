using System.Net.Sockets;
using System.Text;
using DurableAgentOps.Runtime.Diagnostics;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using Polly;
using Polly.DependencyInjection;
using Polly.Registry;
using Polly.Retry;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The email channel: one mail per recipient (each carries only that person's link), multipart plain text + HTML,
/// over SMTP with MailKit. Transient failures (no connection, a dropped one, a 4xx reply) are retried by a Polly
/// pipeline with doubling waits, each try after a failed command on a fresh connection; a 5xx reply is final for that
/// recipient. Nothing is thrown for a failed send: the result lists each recipient that was not reached and why (never
/// the password, never the link).
/// </summary>
internal sealed class EmailNotifier(IOptions<EmailOptions> options, TimeProvider time, ResiliencePipelineProvider<string> pipelines, ILogger<EmailNotifier> logger)
{
    public const string Channel = "email";

    /// <summary>The key of the email resilience pipeline (<see cref="ConfigurePipeline"/>).</summary>
    public const string Pipeline = "approval-email";

    private static readonly ResiliencePropertyKey<SmtpAttempt> AttemptKey = new("AgentOps.SmtpAttempt");

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private EmailOptions Options => options.Value;

    /// <summary>False when <c>AgentOps:Email:Host</c> is not set: every send then reports "not configured".</summary>
    public bool IsConfigured => Options.IsConfigured;

    /// <summary>Sends the notice to each recipient, each with their own link; returns how many were sent and why the others were not.</summary>
    public async Task<NoticeResult> SendAsync(ApprovalNotice notice, IReadOnlyList<NoticeRecipient> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(recipients);
        if (!IsConfigured)
        {
            logger.ChannelNotConfigured(Channel, notice.RunId, $"{EmailOptions.Section}:Host");
            return new NoticeResult(Channel, 0, [$"email is not configured ({EmailOptions.Section}:Host is not set)"]);
        }

        var failures = new List<string>();
        var sent = 0;
        string? unreachable = null;
        using var client = new SmtpClient { Timeout = (int)Options.Timeout.TotalMilliseconds };
        foreach (var recipient in recipients)
        {
            var address = UntrustedText.ForHeader(recipient.Email, 254);
            if (Check(recipient) is { } invalid)
            {
                failures.Add($"{address}: not sent: {invalid}");
                logger.EmailFailed(notice.RunId, recipient.PrincipalId, invalid);
                continue;
            }

            if (unreachable is not null)
            {
                // The server could not be reached for an earlier recipient, through every retry: asking again per
                // recipient would only multiply the wait.
                failures.Add($"{address}: not sent: {unreachable}");
                continue;
            }

            var (ok, reason, serverDown) = await SendWithRetriesAsync(client, Compose(notice, recipient), notice.RunId, recipient.PrincipalId, cancellationToken);
            if (ok)
            {
                sent++;
                logger.EmailSent(notice.Kind, notice.RunId, notice.Gate, recipient.PrincipalId);
                continue;
            }

            failures.Add($"{address}: not sent: {reason}");
            logger.EmailFailed(notice.RunId, recipient.PrincipalId, reason!);
            unreachable = serverDown ? reason : null;
        }

        if (client.IsConnected)
        {
            await QuitAsync(client);
        }

        return new NoticeResult(Channel, sent, failures);
    }

    /// <summary>The mail for one recipient. Display names go through MimeKit's encoder after losing control characters, so no value can start a header.</summary>
    internal MimeMessage Compose(ApprovalNotice notice, NoticeRecipient recipient)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress(UntrustedText.ForHeader(Options.FromName, 100), Options.From ?? string.Empty));
        message.To.Add(new MailboxAddress(UntrustedText.ForHeader(recipient.Name, 100), recipient.Email));
        message.Subject = ApprovalMail.Subject(notice);
        message.Date = time.GetUtcNow();
        // An automatic message (RFC 3834): no out-of-office replies to it, no loops.
        message.Headers.Add("Auto-Submitted", "auto-generated");
        message.Headers.Add("X-Auto-Response-Suppress", "All");
        message.Body = new BodyBuilder
        {
            TextBody = ApprovalMail.Text(notice, recipient),
            HtmlBody = ApprovalMail.HtmlBody(notice, recipient),
        }.ToMessageBody();
        return message;
    }

    private static string? Check(NoticeRecipient recipient)
    {
        if (string.IsNullOrWhiteSpace(recipient.Email) || !EmailOptionsValidator.IsPlainAddress(recipient.Email))
        {
            return "the address is not one plain mail address";
        }

        if (!recipient.Link.IsAbsoluteUri || recipient.Link.Scheme is not ("https" or "http"))
        {
            return "the link is not an absolute http(s) URL";
        }

        return null;
    }

    /// <summary>
    /// The email resilience pipeline (keyed <see cref="Pipeline"/>): retries of transient failures (<see cref="Classify"/>),
    /// <see cref="EmailOptions.MaxRetries"/> of them with doubling waits from <see cref="EmailOptions.FirstRetryDelay"/>
    /// up to 30 s. Each retry is logged here, with the reason scrubbed of the password.
    /// </summary>
    internal static void ConfigurePipeline(ResiliencePipelineBuilder builder, AddResiliencePipelineContext<string> context)
    {
        var options = context.ServiceProvider.GetRequiredService<IOptions<EmailOptions>>().Value;
        var logger = context.ServiceProvider.GetRequiredService<ILogger<EmailNotifier>>();
        builder.LogThroughLogsOnly(context.ServiceProvider);
        if (options.MaxRetries == 0)
        {
            return;
        }

        builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = options.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            Delay = options.FirstRetryDelay,
            MaxDelay = MaxRetryDelay,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } error && !args.Context.CancellationToken.IsCancellationRequested && Classify(error, options) is { Transient: true }),
            OnRetry = args =>
            {
                var attempt = args.Context.Properties.GetValue(AttemptKey, null!);
                logger.EmailRetrying(attempt.RunId, attempt.PrincipalId, args.AttemptNumber + 1, Classify(args.Outcome.Exception!, options)!.Reason, (long)args.RetryDelay.TotalMilliseconds);
                return default;
            },
        });
    }

    private async Task<(bool Sent, string? Reason, bool ServerDown)> SendWithRetriesAsync(
        SmtpClient client, MimeMessage message, string runId, string principalId, CancellationToken cancellationToken)
    {
        var attempt = new SmtpAttempt(runId, principalId);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(AttemptKey, attempt);
        try
        {
            await pipelines.GetPipeline(Pipeline).ExecuteAsync(
                static (context, state) => state.Self.SendOnceAsync(state.Client, state.Message, state.Attempt, context.CancellationToken),
                context,
                (Self: this, Client: client, Message: message, Attempt: attempt));
            return (true, null, false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && Classify(ex, Options) is { } failure)
        {
            return failure.Transient
                ? (false, $"{failure.Reason}; gave up after {attempt.Count} attempt{(attempt.Count == 1 ? string.Empty : "s")}", failure.ConnectionFault && attempt.Connecting)
                : (false, $"{failure.Reason} (permanent; not retried)", false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One try: connect and sign in when the connection is not open, then send.</summary>
    private async ValueTask SendOnceAsync(SmtpClient client, MimeMessage message, SmtpAttempt attempt, CancellationToken cancellationToken)
    {
        attempt.Count++;
        attempt.Connecting = false;
        try
        {
            if (!client.IsConnected)
            {
                attempt.Connecting = true;
                await client.ConnectAsync(Options.Host!.Trim(), Options.EffectivePort, Secure(Options.Security), cancellationToken);
                attempt.Connecting = false;
            }

            if (!string.IsNullOrEmpty(Options.UserName) && !client.IsAuthenticated)
            {
                await client.AuthenticateAsync(Options.UserName, Options.Password ?? string.Empty, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
        }
        catch when (client.IsConnected)
        {
            // A failed command can leave the session mid-transaction: the next try starts on a fresh connection.
            await QuitAsync(client);
            throw;
        }
    }

    /// <summary>
    /// What a failure means: a 4xx reply and a failed or dropped connection are transient; a 5xx reply, a refused
    /// sign-in, a TLS failure or a missing server feature are not; anything else is no SMTP failure (null) and is thrown.
    /// </summary>
    private static SmtpFailure? Classify(Exception error, EmailOptions options) => error switch
    {
        SmtpCommandException command => new($"the server answered {(int)command.StatusCode} {Redact(command.Message, options)}", Transient: (int)command.StatusCode is >= 400 and < 500),
        AuthenticationException refused => new($"the server refused the sign-in of {options.UserName}: {Redact(refused.Message, options)}", Transient: false),
        SslHandshakeException => new($"TLS with {options.Host}:{options.EffectivePort} failed (certificate or protocol)", Transient: false),
        // E.g. StartTls asked for and the server does not offer it.
        NotSupportedException missing => new($"{options.Host}:{options.EffectivePort}: {Redact(missing.Message, options)}", Transient: false),
        SocketException socket => new($"cannot connect to {options.Host}:{options.EffectivePort} ({socket.SocketErrorCode})", Transient: true, ConnectionFault: true),
        _ when IsConnectionFault(error) => new($"the connection to {options.Host}:{options.EffectivePort} failed ({Redact(error.Message, options)})", Transient: true, ConnectionFault: true),
        _ => null,
    };

    private static async Task QuitAsync(SmtpClient client)
    {
        try
        {
            await client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        catch (Exception ex) when (IsConnectionFault(ex))
        {
            // The connection is gone either way.
        }
    }

    private static SecureSocketOptions Secure(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        SmtpSecurity.Auto => SecureSocketOptions.Auto,
        _ => SecureSocketOptions.StartTls,
    };

    private static bool IsConnectionFault(Exception ex) =>
        ex is SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException or OperationCanceledException;

    /// <summary>
    /// A server's text could quote what it was sent; the password (and the SASL PLAIN blob carrying it) never leave
    /// here, whatever the server says.
    /// </summary>
    private static string Redact(string text, EmailOptions options)
    {
        var password = options.Password;
        if (string.IsNullOrEmpty(password))
        {
            return text;
        }

        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{options.UserName}\0{password}"));
        return text
            .Replace(plain, "***", StringComparison.Ordinal)
            .Replace(Convert.ToBase64String(Encoding.UTF8.GetBytes(password)), "***", StringComparison.Ordinal)
            .Replace(password, "***", StringComparison.Ordinal);
    }

    /// <summary>What one recipient's tries have seen: for the retry log, the attempt count and whether the last one failed connecting.</summary>
    private sealed class SmtpAttempt(string runId, string principalId)
    {
        public string RunId { get; } = runId;

        public string PrincipalId { get; } = principalId;

        public int Count { get; set; }

        public bool Connecting { get; set; }
    }

    private sealed record SmtpFailure(string Reason, bool Transient, bool ConnectionFault = false);
}
