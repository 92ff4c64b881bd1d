using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// One smtp4dev (the dotnet tool pinned in .config/dotnet-tools.json) per test run: in-memory database, SMTP and web
/// API on free loopback ports, IMAP and POP3 off, no user settings, HTML kept as sent (no sanitising, so a test sees
/// exactly what a mail client would get). Tests tell their mails apart by their own recipient addresses.
/// </summary>
public sealed class Smtp4devProcess : IAsyncLifetime
{
    private readonly StringBuilder output = new();
    private Process? process;
    private HttpClient? http;
    private DirectoryInfo? appData;

    public int SmtpPort { get; private set; }

    /// <summary>smtp4dev's web UI and REST API (<c>/api/messages</c>).</summary>
    public Uri ApiUrl { get; private set; } = new("http://127.0.0.1/");

    private HttpClient Http => http ?? throw new InvalidOperationException("smtp4dev is not started");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Path.Combine(RepoPaths.Root, ".config", "dotnet-tools.json")))
        {
            throw new InvalidOperationException("The tool manifest .config/dotnet-tools.json is missing.");
        }

        SmtpPort = FreePort.Next();
        var web = FreePort.Next();
        ApiUrl = new Uri($"http://127.0.0.1:{web}/");
        var info = new ProcessStartInfo("dotnet")
        {
            // `dotnet tool run` finds the manifest from the working directory.
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            "tool", "run", "smtp4dev", "--",
            $"--smtpport={SmtpPort.ToString(CultureInfo.InvariantCulture)}", $"--urls=http://127.0.0.1:{web.ToString(CultureInfo.InvariantCulture)}",
            "--bindaddress=127.0.0.1", "--db=", "--imapport=", "--pop3port=", "--nousersettings", "--disablemessagesanitisation",
            "--messagestokeep=1000", "--sessionstokeep=100", $"--baseappdatapath={(appData = Directory.CreateTempSubdirectory("smtp4dev-")).FullName}",
        })
        {
            info.ArgumentList.Add(argument);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("smtp4dev did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        http = new HttpClient { BaseAddress = ApiUrl, Timeout = TimeSpan.FromSeconds(10) };

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"smtp4dev exited with code {process.ExitCode} (is the tool restored? run `dotnet tool restore` or ./build.sh setup): {Output()}");
            }

            try
            {
                using var response = await http.GetAsync("api/messages");
                if (response.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"smtp4dev's API did not answer within 60 s: {Output()}");
            }

            await Task.Delay(100);
        }

        await FreePort.WaitUntilListeningAsync(SmtpPort, TimeSpan.FromSeconds(10), Output);
    }

    /// <summary>Every mail smtp4dev holds, newest first.</summary>
    public async Task<IReadOnlyList<Smtp4devSummary>> MessagesAsync()
    {
        var page = await Http.GetFromJsonAsync<JsonElement>("api/messages?pageSize=1000");
        return [.. page.GetProperty("results").EnumerateArray().Select(m => new Smtp4devSummary(
            m.GetProperty("id").GetString()!,
            m.GetProperty("from").GetString() ?? string.Empty,
            [.. m.GetProperty("to").EnumerateArray().Select(t => t.GetString()!)],
            m.GetProperty("subject").GetString() ?? string.Empty))];
    }

    /// <summary>One mail: its recipients, headers, both bodies and the raw message as smtp4dev received it.</summary>
    public async Task<Smtp4devMessage> MessageAsync(string id)
    {
        var escaped = Uri.EscapeDataString(id);
        var m = await Http.GetFromJsonAsync<JsonElement>($"api/messages/{escaped}");
        return new Smtp4devMessage(
            id,
            m.GetProperty("from").GetString() ?? string.Empty,
            [.. m.GetProperty("to").EnumerateArray().Select(t => t.GetString()!)],
            [.. m.GetProperty("cc").EnumerateArray().Select(t => t.GetString()!)],
            [.. m.GetProperty("bcc").EnumerateArray().Select(t => t.GetString()!)],
            [.. m.GetProperty("deliveredTo").EnumerateArray().Select(t => t.GetString()!)],
            m.GetProperty("subject").GetString() ?? string.Empty,
            [.. m.GetProperty("headers").EnumerateArray().Select(h => new KeyValuePair<string, string>(h.GetProperty("name").GetString()!, h.GetProperty("value").GetString() ?? string.Empty))],
            m.GetProperty("hasHtmlBody").GetBoolean() ? await Http.GetStringAsync($"api/messages/{escaped}/html") : null,
            m.GetProperty("hasPlainTextBody").GetBoolean() ? await Http.GetStringAsync($"api/messages/{escaped}/plaintext") : null,
            await Http.GetStringAsync($"api/messages/{escaped}/raw"));
    }

    /// <summary>Waits until at least <paramref name="count"/> mails match (smtp4dev stores a mail just after it accepts it).</summary>
    public async Task<IReadOnlyList<Smtp4devSummary>> WaitForMessagesAsync(Func<Smtp4devSummary, bool> match, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var found = (await MessagesAsync()).Where(match).ToList();
            if (found.Count >= count || DateTime.UtcNow > deadline)
            {
                return found;
            }

            await Task.Delay(100);
        }
    }

    public Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }

        process?.Dispose();
        http?.Dispose();
        appData?.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}

/// <summary>A mail as smtp4dev lists it; <see cref="To"/> holds the envelope recipients.</summary>
public sealed record Smtp4devSummary(string Id, string From, IReadOnlyList<string> To, string Subject);

/// <summary>A mail as smtp4dev received it: header recipients, headers, the HTML and plain-text bodies, the raw source.</summary>
public sealed record Smtp4devMessage(
    string Id,
    string From,
    IReadOnlyList<string> To,
    IReadOnlyList<string> Cc,
    IReadOnlyList<string> Bcc,
    IReadOnlyList<string> DeliveredTo,
    string Subject,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string? Html,
    string? PlainText,
    string Raw)
{
    /// <summary>The raw header block, unfolded: one entry per header line as it reached the server.</summary>
    public IReadOnlyList<string> RawHeaderLines()
    {
        var block = Raw.Replace("\r\n", "\n", StringComparison.Ordinal);
        var end = block.IndexOf("\n\n", StringComparison.Ordinal);
        var lines = new List<string>();
        foreach (var line in (end < 0 ? block : block[..end]).Split('\n'))
        {
            if (line.Length > 0 && (line[0] == ' ' || line[0] == '\t') && lines.Count > 0)
            {
                lines[^1] += line;
            }
            else
            {
                lines.Add(line);
            }
        }

        return lines;
    }
}

[CollectionDefinition(Name)]
public sealed class Smtp4devCollection : ICollectionFixture<Smtp4devProcess>
{
    public const string Name = "smtp4dev";
}
