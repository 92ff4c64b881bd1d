using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// A small SMTP server on a free loopback port that answers RCPT TO as a test scripts it (smtp4dev accepts every
/// recipient, and a real relay's 4xx greylisting and 5xx refusals are what the email channel must tell apart). It
/// speaks enough SMTP for MailKit (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps each accepted mail.
/// </summary>
internal sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private readonly Func<string, int, string> answerRecipient;
    private readonly ConcurrentDictionary<string, int> tries = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<(string Recipient, string Data)> accepted = new();
    private readonly Task loop;

    /// <param name="answerRecipient">The reply to <c>RCPT TO</c> for an address on its n-th try (1-based), e.g. "250 OK" or "550 5.1.1 no such user".</param>
    public ScriptedSmtpServer(Func<string, int, string> answerRecipient)
    {
        this.answerRecipient = answerRecipient;
        listener.Start();
        loop = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>How often RCPT TO named the address.</summary>
    public int TriesFor(string address) => tries.GetValueOrDefault(address);

    public IReadOnlyList<(string Recipient, string Data)> Accepted => [.. accepted];

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var client = await listener.AcceptTcpClientAsync(stop.Token);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 scripted.test ESMTP");
            var recipients = new List<string>();
            try
            {
                while (await reader.ReadLineAsync(stop.Token) is { } line)
                {
                    var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                    switch (verb)
                    {
                        case "EHLO":
                        case "HELO":
                            await writer.WriteLineAsync("250-scripted.test\r\n250 8BITMIME");
                            break;
                        case "MAIL":
                            recipients.Clear();
                            await writer.WriteLineAsync("250 2.1.0 OK");
                            break;
                        case "RCPT":
                            var address = line[(line.IndexOf('<', StringComparison.Ordinal) + 1)..line.IndexOf('>', StringComparison.Ordinal)];
                            var reply = answerRecipient(address, tries.AddOrUpdate(address, 1, (_, n) => n + 1));
                            if (reply.StartsWith('2'))
                            {
                                recipients.Add(address);
                            }

                            await writer.WriteLineAsync(reply);
                            break;
                        case "DATA":
                            await writer.WriteLineAsync("354 end with <CRLF>.<CRLF>");
                            var data = new StringBuilder();
                            while (await reader.ReadLineAsync(stop.Token) is { } dataLine && dataLine != ".")
                            {
                                data.AppendLine(dataLine);
                            }

                            recipients.ForEach(r => accepted.Enqueue((r, data.ToString())));
                            await writer.WriteLineAsync("250 2.0.0 queued");
                            break;
                        case "RSET":
                            recipients.Clear();
                            await writer.WriteLineAsync("250 2.0.0 OK");
                            break;
                        case "NOOP":
                            await writer.WriteLineAsync("250 2.0.0 OK");
                            break;
                        case "QUIT":
                            await writer.WriteLineAsync("221 2.0.0 bye");
                            return;
                        default:
                            await writer.WriteLineAsync("502 5.5.2 not implemented");
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or the server stops.
            }
        }
    }
}
