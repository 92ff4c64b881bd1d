using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Benchmarks.Governed;

/// <summary>
/// The approval links the host mailed to one approver, read from smtp4dev's API: one shared listing at a time serves
/// every run waiting for its link, so a thousand waiting runs cost one request per refresh, not a thousand.
/// </summary>
internal sealed partial class MailLinks(Uri smtp4dev, string approverEmail) : IDisposable
{
    private readonly HttpClient http = new() { BaseAddress = smtp4dev, Timeout = TimeSpan.FromSeconds(60) };
    private readonly ConcurrentDictionary<string, string> linksByRun = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim refresh = new(1, 1);

    /// <summary>The link in the "Approval needed" mail about <paramref name="runId"/>, waiting for it to arrive.</summary>
    public async Task<string> LinkForAsync(string runId, CancellationToken cancellation)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (linksByRun.TryGetValue(runId, out var link))
            {
                return link;
            }

            await RefreshAsync(cancellation);
            if (linksByRun.TryGetValue(runId, out link))
            {
                return link;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50 * (attempt + 1), 500)), cancellation);
        }
    }

    public void Dispose()
    {
        http.Dispose();
        refresh.Dispose();
    }

    private async Task RefreshAsync(CancellationToken cancellation)
    {
        // Whoever holds the lock refreshes for everyone; the others find its result when it lets go.
        await refresh.WaitAsync(cancellation);
        try
        {
            using var list = JsonDocument.Parse(await http.GetStringAsync("api/messages?pageSize=100000", cancellation));
            var fresh = new List<(string Id, string RunId)>();
            foreach (var message in list.RootElement.GetProperty("results").EnumerateArray())
            {
                var id = message.GetProperty("id").GetString()!;
                var subject = message.GetProperty("subject").GetString() ?? string.Empty;
                if (read.Contains(id) || !subject.StartsWith("Approval needed", StringComparison.Ordinal)
                    || !message.GetProperty("to").EnumerateArray().Any(t => t.GetString()?.Contains(approverEmail, StringComparison.OrdinalIgnoreCase) == true)
                    || RunId().Match(subject) is not { Success: true } run)
                {
                    continue;
                }

                fresh.Add((id, run.Value));
            }

            // A thousand mails read one by one took minutes: read them several at a time. A mail counts as read only
            // once its link is found: one whose body could not be fetched or held no link yet is read again next time
            // (marking it read first left its run waiting for a link for good).
            var found = new ConcurrentBag<string>();
            await Parallel.ForEachAsync(fresh, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (mail, ct) =>
            {
                try
                {
                    var text = await http.GetStringAsync($"api/messages/{mail.Id}/plaintext", ct);
                    if (Link().Match(text) is { Success: true } match)
                    {
                        linksByRun.TryAdd(mail.RunId, match.Value);
                        found.Add(mail.Id);
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is TaskCanceledException && !ct.IsCancellationRequested))
                {
                    // Left unread: fetched again at the next refresh.
                }
            });
            read.UnionWith(found);
        }
        finally
        {
            refresh.Release();
        }
    }

    [GeneratedRegex(@"https?://\S+/approvals/[A-Za-z0-9%._~-]+")]
    private static partial Regex Link();

    /// <summary>Run ids are the workflow's name, a dash and twelve hex digits.</summary>
    [GeneratedRegex(@"[a-z0-9][a-z0-9-]*-[0-9a-f]{12}\b")]
    private static partial Regex RunId();
}
