using System.CommandLine;
using System.Net;
using DurableAgentOps.Cli.Evidence;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops verify: recomputes a run's evidence (or the whole log's, or an exported bundle's) here, with the same rules
/// as the host, and names the first record changed, removed, inserted or reordered, or the missing run. Exit 0 intact,
/// 1 on any break (or no such run), 2 bad usage or an unreadable file, 3 unreachable, 4 sign-in, 5 not allowed.
/// </summary>
internal sealed class VerifyCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var run = new Argument<string?>("run") { Description = "The run to verify (omit with --all or --bundle).", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Verify the whole log: every run it names, every stored run, the signed tree head." };
        var bundle = new Option<string?>("--bundle") { HelpName = "file", Description = "Verify an exported bundle offline (no host, no sign-in)." };
        var key = new Option<string?>("--public-key")
        {
            HelpName = "pem-file",
            Description = "The evidence public key you trust (PEM). Without it the key the host (or the bundle) names is used, and its id printed to compare.",
        };
        var limit = new Option<int?>("--limit")
        {
            HelpName = "runs",
            Description = "With --all: verify the signed tree and at most this many runs (in log order), then print where to go on.",
        };
        var next = new Option<int?>("--next") { HelpName = "position", Description = "With --all --limit: start at this run of the log (what the previous call printed)." };
        var host = HostOptions.Host();
        var command = new Command("verify", "Verify evidence: a run's hash chain, signed head and place in the signed log; --all the whole log; --bundle an export, offline.")
        {
            run, all, limit, next, bundle, key, host,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(context, result.GetValue(run), result.GetValue(all), result.GetValue(bundle), result.GetValue(key), result.GetValue(host), cancellationToken,
                result.GetValue(limit), result.GetValue(next)));
        return command;
    }

    internal static async Task<int> RunAsync(
        CliContext context, string? runId, bool all, string? bundlePath, string? keyPath, string? hostOption, CancellationToken cancellationToken,
        int? limit = null, int? next = null)
    {
        var modes = (runId is null ? 0 : 1) + (all ? 1 : 0) + (bundlePath is null ? 0 : 1);
        if (modes != 1)
        {
            context.Error.WriteLine("agentops verify: give one of: a run id, --all, or --bundle <file>");
            return ExitCodes.Usage;
        }

        if ((limit is not null || next is not null) && !all)
        {
            context.Error.WriteLine("agentops verify: --limit and --next go with --all");
            return ExitCodes.Usage;
        }

        if (limit is < 1 || next is < 0 || (next is not null && limit is null))
        {
            context.Error.WriteLine("agentops verify: --limit takes a number of runs from 1, --next a position from 0 (with --limit)");
            return ExitCodes.Usage;
        }

        EvidencePublicKey? trusted = null;
        if (keyPath is not null && (trusted = EvidenceDownload.ReadKey(keyPath, out var keyProblem)) is null)
        {
            context.Error.WriteLine($"agentops verify: --public-key: {keyProblem}");
            return ExitCodes.Usage;
        }

        if (bundlePath is not null)
        {
            return VerifyBundle(context, bundlePath, trusted);
        }

        var (client, code) = await HostOptions.ConnectAsync(context, "verify", hostOption, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            try
            {
                var (log, logResponse) = await EvidenceDownload.LogAsync(client, cancellationToken);
                if (log is null)
                {
                    return logResponse.IsSuccess ? Fail(context, "the host's evidence log answer is not a log") : HostOptions.Refused(context, "verify", logResponse);
                }

                var key = trusted ?? log.HostKey;
                if (trusted is null)
                {
                    context.Error.WriteLine($"key {log.HostKey.KeyId} (as the host names it; pass --public-key to check against your own copy)");
                }
                else if (!trusted.Spki.AsSpan().SequenceEqual(log.HostKey.Spki))
                {
                    context.Error.WriteLine($"note: the host names key {log.HostKey.KeyId}, not your key {trusted.KeyId}");
                }

                return runId is not null
                    ? await VerifyRunAsync(context, client, runId, log, key, cancellationToken)
                    : limit is { } count
                        ? await VerifySomeAsync(context, client, log, key, next ?? 0, count, cancellationToken)
                        : await VerifyAllAsync(context, client, log, key, cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return HostOptions.Unreachable(context, ex);
            }
        }
    }

    private static async Task<int> VerifyRunAsync(CliContext context, HostClient client, string runId, DownloadedLog log, EvidencePublicKey key, CancellationToken cancellationToken)
    {
        var (evidence, verification, refused) = await EvidenceFetch.VerifyAsync(client, runId, log, key, cancellationToken);
        if (refused is not null)
        {
            return HostOptions.Refused(context, "verify", refused);
        }

        if (verification is null)
        {
            return Fail(context, $"no evidence of run {runId}: the ledger holds none and the log names no such run");
        }

        var breaks = verification.Breaks.Select(b => b.Message).ToList();
        foreach (var note in verification.Notes)
        {
            context.Out.WriteLine($"note: {StoryText.Terminal(note)}");
        }

        if (breaks.Count > 0)
        {
            return Broken(context, $"run {runId}", breaks);
        }

        if (verification.Purged is not null)
        {
            context.Out.WriteLine($"run {runId}: {verification.Verdict}");
            return ExitCodes.Ok;
        }

        var head = evidence!.Head!;
        var leaf = log.Leaves.Last(l => l.RunId == runId);
        context.Out.WriteLine($"run {runId}: verified — {evidence.Records.Count} records, hash chain unbroken, head (seq {head.LastSeq}{(head.Final ? ", final" : string.Empty)}) signed by key {key.KeyId}, "
            + $"logged at leaf {leaf.Index} of the signed tree of {log.Head!.Size} leaves");
        return ExitCodes.Ok;
    }

    private static async Task<int> VerifyAllAsync(CliContext context, HostClient client, DownloadedLog log, EvidencePublicKey key, CancellationToken cancellationToken)
    {
        if (log.Head is null)
        {
            return Broken(context, "the log", ["the evidence log has no signed tree head", .. log.Malformed]);
        }

        // Every run the log names and every run the index lists (a stored run the log does not name is a break too).
        var ids = log.Leaves.Select(l => l.RunId).ToList();
        var indexed = await ListRunsAsync(client, cancellationToken);
        if (indexed is null)
        {
            return Fail(context, "the host did not list its runs (GET /api/evidence/runs)");
        }

        var wanted = ids.Concat(indexed).Distinct(StringComparer.Ordinal).ToList();
        var (runs, refused) = await DownloadAsync(context, client, wanted, cancellationToken);
        if (refused is not null)
        {
            return HostOptions.Refused(context, "verify", refused);
        }

        var (report, problems, notes) = LoggedRunCheck.VerifyAll(log.Leaves, log.Head, log.HeadSignature, key, id => runs.GetValueOrDefault(id), indexed);
        foreach (var note in notes)
        {
            context.Out.WriteLine($"note: {StoryText.Terminal(note)}");
        }

        var breaks = log.Malformed.Concat(problems.Select(p => p.Message)).ToList();
        if (breaks.Count > 0)
        {
            return Broken(context, "the log", breaks);
        }

        context.Out.WriteLine($"log verified — {report.RunsVerified} runs, {report.Purged.Count} purged after their retention, signed tree of {log.Head.Size} leaves, key {key.KeyId}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The signed tree over every leaf, and the runs at positions [from, from + count) of the log (each run at its first
    /// leaf): a bounded step of <c>--all</c>. Runs stored but named by no leaf are found only by a whole <c>--all</c>.
    /// </summary>
    private static async Task<int> VerifySomeAsync(
        CliContext context, HostClient client, DownloadedLog log, EvidencePublicKey key, int from, int count, CancellationToken cancellationToken)
    {
        if (log.Head is null)
        {
            return Broken(context, "the log", ["the evidence log has no signed tree head", .. log.Malformed]);
        }

        var ordered = log.Leaves.Select(l => l.RunId).Distinct(StringComparer.Ordinal).ToList();
        var window = ordered.Skip(from).Take(count).ToList();
        var inWindow = window.ToHashSet(StringComparer.Ordinal);
        var (runs, refused) = await DownloadAsync(context, client, window, cancellationToken);
        if (refused is not null)
        {
            return HostOptions.Refused(context, "verify", refused);
        }

        var (report, problems, notes) = LoggedRunCheck.VerifyAll(log.Leaves, log.Head, log.HeadSignature, key, id => runs.GetValueOrDefault(id), []);
        foreach (var note in notes.Where(n => window.Any(id => n.StartsWith($"run {id} ", StringComparison.Ordinal))))
        {
            context.Out.WriteLine($"note: {StoryText.Terminal(note)}");
        }

        var breaks = log.Malformed.Concat(problems.Where(p => p.RunId is null || inWindow.Contains(p.RunId)).Select(p => p.Message)).ToList();
        if (breaks.Count > 0)
        {
            return Broken(context, "the log", breaks);
        }

        var purged = report.Purged.Count(p => inWindow.Contains(p.RunId));
        context.Out.WriteLine($"signed tree of {log.Head.Size} leaves verified, key {key.KeyId}; runs {Math.Min(from + 1, ordered.Count)}-{from + window.Count} of {ordered.Count} verified"
            + (purged > 0 ? $" ({purged} purged after their retention)" : string.Empty));
        if (from + window.Count < ordered.Count)
        {
            context.Out.WriteLine($"next: agentops verify --all --limit {count} --next {from + window.Count}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>Each run's stored evidence (null where the host has none), a few at a time, with progress on stderr.</summary>
    private static async Task<(Dictionary<string, RunEvidence?> Runs, HostResponse? Refused)> DownloadAsync(
        CliContext context, HostClient client, IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<string, RunEvidence?>(StringComparer.Ordinal);
        HostResponse? refused = null;
        var done = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            var (evidence, response) = await EvidenceDownload.RunAsync(client, id, ct);
            lock (runs)
            {
                if (evidence is null && response.Status != HttpStatusCode.NotFound)
                {
                    refused ??= response;
                }

                runs[id] = evidence;
                if (++done % 100 == 0)
                {
                    context.Error.WriteLine($"read {done} of {ids.Count} runs");
                }
            }
        });
        return (runs, refused);
    }

    private static int VerifyBundle(CliContext context, string path, EvidencePublicKey? trusted)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"agentops verify: cannot read the bundle {path}: {ex.Message}");
            return ExitCodes.Usage;
        }

        var report = EvidenceBundle.Verify(text, trusted);
        EvidenceBundle.TryParse(text, out var bundle, out _);
        if (!report.IsIntact)
        {
            return Broken(context, $"bundle {path}", [.. report.Problems.Select(p => p.ToString())]);
        }

        var withheld = bundle!.WithheldPayloads();
        context.Out.WriteLine($"bundle {path}: verified — run {bundle.RunId}, {bundle.Records.Count} records, head signed and in the signed tree of {bundle.TreeHead.Size} leaves"
            + (withheld.Count > 0 ? $", {withheld.Count} payloads withheld" : string.Empty));
        foreach (var note in RunGovernance.Notes(bundle.Records).Concat(AdministratorActions.Notes(bundle.Records)))
        {
            context.Out.WriteLine($"note: {StoryText.Terminal(note)}");
        }

        context.Out.WriteLine(trusted is null
            ? $"signed with the key the bundle carries, id {bundle.KeyId}: compare it with the key you trust, or pass --public-key"
            : $"signed with your key {trusted.KeyId}");
        return ExitCodes.Ok;
    }

    /// <summary>Every run id the host's index lists, page by page (each page a bounded read on the host); null when it refused.</summary>
    private static async Task<List<string>?> ListRunsAsync(HostClient client, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var query = "/api/evidence/runs?top=500";
        while (true)
        {
            var response = await client.GetAsync(query, cancellationToken);
            if (!response.IsSuccess || response.Read<RunSearchDto>() is not { } page)
            {
                return null;
            }

            ids.AddRange((page.Runs ?? []).Select(r => r.RunId).OfType<string>());
            if (page.Next is not { } next)
            {
                return ids;
            }

            query = $"/api/evidence/runs?top=500&next={Uri.EscapeDataString(next)}";
        }
    }

    private static int Broken(CliContext context, string what, IReadOnlyList<string> breaks)
    {
        context.Out.WriteLine($"{what}: BROKEN — {breaks[0]}");
        foreach (var more in breaks.Skip(1))
        {
            context.Out.WriteLine($"  also: {more}");
        }

        return ExitCodes.Failed;
    }

    private static int Fail(CliContext context, string message)
    {
        context.Error.WriteLine($"agentops verify: {message}");
        return ExitCodes.Failed;
    }
}
