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
        var all = new Option<bool>("--all") { Description = "Verify the whole log: every run it names, every stored run, the signed tree head against the latest anchored head, and each run's search index row against its signed copy." };
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
        var against = new Option<string?>("--against")
        {
            HelpName = "head-file",
            Description = "With --all: a signed tree head you kept ('agentops evidence head --out'). Its signature is checked with the key, then an RFC 9162 "
                + "consistency proof that today's log extends it; a rollback ('rolled back: the log has N runs, the kept head had M'), a log that is not an "
                + "extension of it, and the runs deleted since are named.",
        };
        var host = HostOptions.Host();
        var command = new Command("verify", "Verify evidence: a run's hash chain, signed head and place in the signed log; --all the whole log; --bundle an export, offline.")
        {
            run, all, limit, next, against, bundle, key, host,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(context, result.GetValue(run), result.GetValue(all), result.GetValue(bundle), result.GetValue(key), result.GetValue(host), cancellationToken,
                result.GetValue(limit), result.GetValue(next), result.GetValue(against)));
        return command;
    }

    internal static async Task<int> RunAsync(
        CliContext context, string? runId, bool all, string? bundlePath, string? keyPath, string? hostOption, CancellationToken cancellationToken,
        int? limit = null, int? next = null, string? againstPath = null)
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

        if (againstPath is not null && (!all || limit is not null))
        {
            context.Error.WriteLine("agentops verify: --against goes with --all (the whole log: a consistency proof covers every leaf)");
            return ExitCodes.Usage;
        }

        EvidencePublicKey? trusted = null;
        if (keyPath is not null && (trusted = EvidenceDownload.ReadKey(keyPath, out var keyProblem)) is null)
        {
            context.Error.WriteLine($"agentops verify: --public-key: {keyProblem}");
            return ExitCodes.Usage;
        }

        SignedTreeHead? kept = null;
        if (againstPath is not null && (kept = ReadKeptHead(againstPath, out var keptProblem)) is null)
        {
            context.Error.WriteLine($"agentops verify: --against: {keptProblem}");
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
                        : await VerifyAllAsync(context, client, log, key, kept, cancellationToken);
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

    private static async Task<int> VerifyAllAsync(
        CliContext context, HostClient client, DownloadedLog log, EvidencePublicKey key, SignedTreeHead? kept, CancellationToken cancellationToken)
    {
        if (log.Head is null)
        {
            return Broken(context, "the log", ["the evidence log has no signed tree head", .. log.Malformed]);
        }

        // The log against what was seen of it before: the head the investigator kept, and the latest anchored head.
        var (headBreaks, headRefused) = await CheckHeadsAsync(context, client, log, key, kept, cancellationToken);
        if (headRefused is not null)
        {
            return HostOptions.Refused(context, "verify", headRefused);
        }

        // Every run the log names and every run the index lists (a stored run the log does not name is a break too). The
        // runs first, the index after: a run that ends meanwhile then has its final head in both, and an index row
        // sealed with an earlier head than a final one read before it was put back.
        var ids = log.Leaves.Select(l => l.RunId).Distinct(StringComparer.Ordinal).ToList();
        var (runs, refused) = await DownloadAsync(context, client, ids, cancellationToken);
        var hits = refused is null ? await ListRunsAsync(client, cancellationToken) : [];
        if (hits is null)
        {
            return Fail(context, "the host did not list its runs (GET /api/evidence/runs)");
        }

        var indexed = hits.Select(h => h.RunId!).ToList();
        if (refused is null && indexed.Except(ids, StringComparer.Ordinal).ToList() is { Count: > 0 } unlogged)
        {
            (var more, refused) = await DownloadAsync(context, client, unlogged, cancellationToken);
            foreach (var (id, evidence) in more)
            {
                runs[id] = evidence;
            }
        }

        if (refused is not null)
        {
            return HostOptions.Refused(context, "verify", refused);
        }

        var (report, problems, notes) = LoggedRunCheck.VerifyAll(log.Leaves, log.Head, log.HeadSignature, key, id => runs.GetValueOrDefault(id), indexed);
        foreach (var note in notes)
        {
            context.Out.WriteLine($"note: {StoryText.Terminal(note)}");
        }

        var indexBreaks = CheckIndex(log, runs, hits, report, key);
        var breaks = headBreaks.Concat(log.Malformed).Concat(problems.Select(p => p.Message)).Concat(indexBreaks).ToList();
        if (breaks.Count > 0)
        {
            return Broken(context, "the log", breaks);
        }

        context.Out.WriteLine($"log verified — {report.RunsVerified} runs, {report.Purged.Count} purged after their retention, signed tree of {log.Head.Size} leaves, key {key.KeyId}"
            + ", search index as signed");
        if (kept is not null)
        {
            context.Out.WriteLine($"the kept head ({kept.Head.Size} leaves, {EvidenceTime(kept.Head.At)}) is in today's log: its consistency proof verifies");
        }

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

        // The whole log against its latest anchored head: one request and the leaves already read, so every step checks it.
        var (headBreaks, headRefused) = await CheckHeadsAsync(context, client, log, key, null, cancellationToken);
        if (headRefused is not null)
        {
            return HostOptions.Refused(context, "verify", headRefused);
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

        var breaks = headBreaks.Concat(log.Malformed).Concat(problems.Where(p => p.RunId is null || inWindow.Contains(p.RunId)).Select(p => p.Message)).ToList();
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

    /// <summary>Every run the host's index lists, with its row's signed copy, page by page (each page a bounded read on the host); null when it refused.</summary>
    private static async Task<List<IndexHitDto>?> ListRunsAsync(HostClient client, CancellationToken cancellationToken)
    {
        var ids = new List<IndexHitDto>();
        var query = "/api/evidence/runs?top=500";
        while (true)
        {
            var response = await client.GetAsync(query, cancellationToken);
            if (!response.IsSuccess || response.Read<IndexPageDto>() is not { } page)
            {
                return null;
            }

            ids.AddRange((page.Runs ?? []).Where(r => r.RunId is not null));
            if (page.Next is not { } next)
            {
                return ids;
            }

            query = $"/api/evidence/runs?top=500&next={Uri.EscapeDataString(next)}";
        }
    }

    /// <summary>
    /// Today's log against the head the investigator kept (the host's consistency proof to its current signed head) and
    /// against the latest anchored head (a proof computed here from the downloaded leaves). When either fails, the
    /// anchored leaves are fetched to name the runs that went missing.
    /// </summary>
    private static async Task<(List<string> Breaks, HostResponse? Refused)> CheckHeadsAsync(
        CliContext context, HostClient client, DownloadedLog log, EvidencePublicKey key, SignedTreeHead? kept, CancellationToken cancellationToken)
    {
        var (head, response) = await DownloadedHead.GetAsync(client, kept?.Head.Size, false, cancellationToken);
        if (head is null)
        {
            return response.IsSuccess ? (["the host's signed tree head answer (GET /api/evidence/head) does not read"], null) : ([], response);
        }

        // An anchor larger than the log read a moment ago: the log may have grown since. Today's head and a proof from
        // the anchored size then decide (a rolled-back log has no signed head that large).
        var (anchorTo, anchorProof) = (log.Head!, (ConsistencyProof?)null);
        if (head.Anchored is { } ahead && ahead.Head.Size > log.Head!.Size)
        {
            var (grown, grownResponse) = await DownloadedHead.GetAsync(client, ahead.Head.Size, false, cancellationToken);
            if (grown is null && !grownResponse.IsSuccess)
            {
                return ([], grownResponse);
            }

            if (grown?.Current is { } now && key.Verify(now.Head, now.Signature) && now.Head.Size >= ahead.Head.Size)
            {
                (anchorTo, anchorProof) = (now.Head, grown.Proof);
            }
        }

        IReadOnlyList<EvidenceProblem> Check(IReadOnlyList<LogLeaf> anchoredLeaves)
        {
            var problems = new List<EvidenceProblem>();
            if (kept is not null)
            {
                if (head.Current is not { } current || !key.Verify(current.Head, current.Signature))
                {
                    problems.Add(new(EvidenceProblemKind.TreeHeadSignature, "the host's current signed tree head (GET /api/evidence/head) does not verify"));
                }
                else
                {
                    problems.AddRange(ConsistencyCheck.Check("the kept head", kept, current.Head, head.Proof, log.Leaves, anchoredLeaves, key));
                }
            }

            if (head.Anchored is { } anchored)
            {
                var size = anchored.Head.Size;
                var proof = anchorTo != log.Head ? anchorProof
                    : size >= 1 && size <= log.Head.Size && log.Head.Size <= log.Leaves.Count ? ConsistencyProof.For([.. log.Leaves.Take((int)log.Head.Size)], (int)size) : null;
                problems.AddRange(ConsistencyCheck.Check("the anchored head", anchored, anchorTo, proof, log.Leaves, anchoredLeaves, key)
                    .Where(p => !problems.Any(q => q.Message == p.Message)));
            }

            return problems;
        }

        if (head.Anchored is null)
        {
            context.Error.WriteLine("note: the anchor store holds no signed tree head yet");
        }

        var found = Check([]);
        if (found.Count > 0)
        {
            // Something went missing: the anchor store's leaves say which runs.
            var (withLeaves, again) = await DownloadedHead.GetAsync(client, kept?.Head.Size, true, cancellationToken);
            if (withLeaves is null)
            {
                return again.IsSuccess ? ([.. found.Select(p => p.Message)], null) : ([], again);
            }

            found = Check(withLeaves.AnchoredLeaves);
        }

        return ([.. found.Select(p => p.Message).Distinct(StringComparer.Ordinal)], null);
    }

    /// <summary>
    /// The search index checked against the signed ledger: every run the log names (and has not purged) must be listed by
    /// the search, and its row must show what the row's signed copy says for its current head.
    /// </summary>
    private static IEnumerable<string> CheckIndex(DownloadedLog log, Dictionary<string, RunEvidence?> runs, IReadOnlyList<IndexHitDto> hits, LogReport report, EvidencePublicKey key)
    {
        var byRun = hits.GroupBy(h => h.RunId!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var purged = report.Purged.Select(p => p.RunId).ToHashSet(StringComparer.Ordinal);
        foreach (var runId in log.Leaves.Select(l => l.RunId).Distinct(StringComparer.Ordinal).Where(id => !purged.Contains(id)))
        {
            if (runs.GetValueOrDefault(runId) is not { Head: { } head })
            {
                continue; // no evidence: a missing run, reported already
            }

            var hit = byRun.GetValueOrDefault(runId);
            var shown = hit is not null && hit.Summary.ValueKind == System.Text.Json.JsonValueKind.Object
                ? System.Text.Json.Nodes.JsonNode.Parse(hit.Summary.GetRawText())!.AsObject() : null;
            foreach (var problem in IndexCheck.Check(runId, head, shown, hit?.Index, hit?.IndexSignature, key))
            {
                yield return problem.Message;
            }
        }
    }

    private static SignedTreeHead? ReadKeptHead(string path, out string? problem)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read the kept head {path}: {ex.Message}";
            return null;
        }

        if (SignedTreeHead.TryParse(text, out var head, out var error))
        {
            problem = null;
            return head;
        }

        problem = $"{path} is not a kept signed tree head ('agentops evidence head --out' writes one): {error}";
        return null;
    }

    private static string EvidenceTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

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
