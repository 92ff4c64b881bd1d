using DurableAgentOps.Runtime.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The email channel: one mail per recipient (each carries only that person's link), multipart plain text + HTML,
/// over SMTP with MailKit. Transient failures (no connection, a dropped one, a 4xx reply) are retried with doubling
/// waits; a 5xx reply is final for that recipient. Nothing is thrown for a failed send: the result lists each
/// recipient that was not reached and why (never the password, never the link).
/// </summary>
public sealed class EmailNotifier(IOptions<EmailOptions> options, TimeProvider time, ILogger<EmailNotifier> logger)
{
    public const string Channel = "email";

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

    private async Task<(bool Sent, string? Reason, bool ServerDown)> SendWithRetriesAsync(
        SmtpClient client, MimeMessage message, string runId, string principalId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string reason;
            bool transient, serverDown = false, connecting = false;
            try
            {
                if (!client.IsConnected)
                {
                    connecting = true;
                    await client.ConnectAsync(Options.Host!.Trim(), Options.EffectivePort, Secure(Options.Security), cancellationToken);
                    connecting = false;
                }

                if (!string.IsNullOrEmpty(Options.UserName) && !client.IsAuthenticated)
                {
                    await client.AuthenticateAsync(Options.UserName, Options.Password ?? string.Empty, cancellationToken);
                }

                await client.SendAsync(message, cancellationToken);
                return (true, null, false);
            }
            catch (SmtpCommandException ex) when (!cancellationToken.IsCancellationRequested)
            {
                var code = (int)ex.StatusCode;
                transient = code is >= 400 and < 500;
                reason = $"the server answered {code} {Redact(ex.Message)}";
            }
            catch (AuthenticationException ex) when (!cancellationToken.IsCancellationRequested)
            {
                transient = false;
                reason = $"the server refused the sign-in of {Options.UserName}: {Redact(ex.Message)}";
            }
            catch (SslHandshakeException) when (!cancellationToken.IsCancellationRequested)
            {
                transient = false;
                reason = $"TLS with {Options.Host}:{Options.EffectivePort} failed (certificate or protocol)";
            }
            catch (NotSupportedException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // E.g. StartTls asked for and the server does not offer it.
                transient = false;
                reason = $"{Options.Host}:{Options.EffectivePort}: {Redact(ex.Message)}";
            }
            catch (Exception ex) when (IsConnectionFault(ex) && !cancellationToken.IsCancellationRequested)
            {
                transient = true;
                serverDown = connecting;
                reason = ex is SocketException socket
                    ? $"cannot connect to {Options.Host}:{Options.EffectivePort} ({socket.SocketErrorCode})"
                    : $"the connection to {Options.Host}:{Options.EffectivePort} failed ({Redact(ex.Message)})";
            }

            // A failed command can leave the session mid-transaction: start the next try on a fresh connection.
            if (client.IsConnected)
            {
                await QuitAsync(client);
            }

            if (!transient)
            {
                return (false, $"{reason} (permanent; not retried)", false);
            }

            if (attempt > Options.MaxRetries)
            {
                return (false, $"{reason}; gave up after {attempt} attempt{(attempt == 1 ? string.Empty : "s")}", serverDown);
            }

            var delay = Delay(attempt);
            logger.EmailRetrying(runId, principalId, attempt, reason, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, time, cancellationToken);
        }
    }

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

    /// <summary>Doubling waits from <see cref="EmailOptions.FirstRetryDelay"/>, capped at 30 s.</summary>
    private TimeSpan Delay(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(MaxRetryDelay.TotalMilliseconds, Options.FirstRetryDelay.TotalMilliseconds * Math.Pow(2, attempt - 1)));

    /// <summary>
    /// A server's text could quote what it was sent; the password (and the SASL PLAIN blob carrying it) never leave
    /// here, whatever the server says.
    /// </summary>
    private string Redact(string text)
    {
        var password = Options.Password;
        if (string.IsNullOrEmpty(password))
        {
            return text;
        }

        var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{Options.UserName}\0{password}"));
        return text
            .Replace(plain, "***", StringComparison.Ordinal)
            .Replace(Convert.ToBase64String(Encoding.UTF8.GetBytes(password)), "***", StringComparison.Ordinal)
            .Replace(password, "***", StringComparison.Ordinal);
    }
}
