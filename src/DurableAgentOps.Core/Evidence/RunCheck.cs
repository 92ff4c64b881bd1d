using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// The rules of <see cref="EvidenceVerifier.VerifyRun"/>. Records are first checked in storage order (malformed rows,
/// another run's records, order), then walked by seq: a gap is a removal, a second record with a seq an insertion, a
/// record not matching its stored hash a change. A link that does not hold between two sound records is blamed on
/// the earlier one when the later one is anchored (an unbroken chain down from a matching head): someone rewrote the
/// earlier record and its hash. Otherwise the later record is the stranger (inserted). Head checks come last.
/// </summary>
internal sealed class RunCheck
{
    private const double AfterRecords = double.MaxValue;

    private readonly List<(double Order, EvidenceProblem Problem)> found = [];
    private readonly string? runId;

    private RunCheck(string? runId) => this.runId = runId;

    public static EvidenceReport Verify(IReadOnlyList<StoredRecord> asStored, RunHead? head, string? headSignature, EvidencePublicKey publicKey, string? runId)
    {
        // Without a run named, the run most records belong to: one stray record or a swapped head cannot make it another.
        runId ??= asStored.Where(r => r.Record is not null).GroupBy(r => r.Record!.RunId, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault() ?? head?.RunId;
        var check = new RunCheck(runId);
        var rows = check.OwnRows(asStored);
        check.Order(rows);
        var groups = rows.GroupBy(r => r.Record!.Seq).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        check.Chain(groups, Anchored(groups.ToDictionary(g => g[0].Record!.Seq), head, runId));
        check.Head(groups, head, headSignature, publicKey);

        // OrderBy is stable: problems at one place keep the order they were found in.
        return new EvidenceReport([.. check.found.OrderBy(f => f.Order).Select(f => f.Problem)]);
    }

    /// <summary>This run's parsed rows in storage order; malformed rows and other runs' records are problems.</summary>
    private List<StoredRecord> OwnRows(IReadOnlyList<StoredRecord> asStored)
    {
        var rows = new List<StoredRecord>();
        double after = -1;
        for (var i = 0; i < asStored.Count; i++)
        {
            var row = asStored[i];
            if (row.Record is not { } record)
            {
                Add(after + 0.5, Malformed, $"malformed at position {i}: {row.Malformed}", null);
            }
            else if (record.RunId != runId)
            {
                Add(record.Seq, Inserted, $"inserted at seq {record.Seq}: it is a record of run {record.RunId}", record.Seq);
            }
            else
            {
                rows.Add(row);
                after = record.Seq;
            }
        }

        return rows;
    }

    private void Order(List<StoredRecord> rows)
    {
        var highest = -1L;
        foreach (var seq in rows.Select(r => r.Record!.Seq))
        {
            if (seq < highest)
            {
                Add(seq, Reordered, $"reordered at seq {seq}: stored after seq {highest}", seq);
            }

            highest = Math.Max(highest, seq);
        }
    }

    private void Chain(List<List<StoredRecord>> groups, (long From, long To) anchored)
    {
        var expected = 0L;
        HashSet<string>? links = [EvidenceRecord.GenesisHash];
        var previousChanged = false;
        foreach (var group in groups)
        {
            var seq = group[0].Record!.Seq;
            if (seq > expected)
            {
                Add(expected, Removed, $"removed: seq {Range(expected, seq - 1)} missing", expected);
                links = null; // nothing to link across a gap
            }

            if (group.Count > 1)
            {
                Add(seq, Inserted, $"inserted at seq {seq}: {group.Count} records claim seq {seq}", seq);
            }

            var changed = false;
            foreach (var row in group.Where(r => !r.IsSelfConsistent))
            {
                Add(seq, Changed, row.IsCanonical ? $"changed at seq {seq}: its content does not match its stored hash"
                    : $"changed at seq {seq}: its stored text is not its canonical form", seq);
                changed = true;
            }

            // A changed predecessor is reported already; its link is not news.
            if (group is [var only] && !changed && !previousChanged && links is not null && !links.Contains(only.Record!.Previous))
            {
                if (seq == 0)
                {
                    Add(0, Changed, "changed at seq 0: its prev is not 64 zeros", 0);
                }
                else if (seq >= anchored.From && seq <= anchored.To)
                {
                    Add(seq - 1, Changed, $"changed at seq {seq - 1}: its hash is not the one seq {seq} links to", seq - 1);
                }
                else
                {
                    Add(seq, Inserted, $"inserted at seq {seq}: its prev does not link to seq {seq - 1}", seq);
                }
            }

            // Successors link to the hash as stored: an edited record with its stored hash left alone breaks nothing more.
            links = [.. group.Select(r => r.StoredHash)];
            previousChanged = changed;
            expected = seq + 1;
        }
    }

    private void Head(List<List<StoredRecord>> groups, RunHead? head, string? headSignature, EvidencePublicKey publicKey)
    {
        if (head is null)
        {
            Add(AfterRecords, HeadMissing, "no head: the run has no signed head", null);
            return;
        }

        if (head.RunId != runId)
        {
            // Another run's head says nothing about these records' seqs and hashes.
            Add(AfterRecords, HeadMismatch, $"head does not match: it is the head of run {head.RunId}", null);
        }
        else
        {
            CompareHead(groups, head);
        }

        if (!publicKey.Verify(head, headSignature))
        {
            Add(AfterRecords, HeadSignature, headSignature is null ? "head signature does not verify: there is none" : "head signature does not verify", null);
        }
    }

    private void CompareHead(List<List<StoredRecord>> groups, RunHead head)
    {
        if (head.Records != head.LastSeq + 1)
        {
            Add(AfterRecords, HeadMismatch, $"head does not match: it counts {head.Records} records but its last seq is {head.LastSeq}", head.LastSeq);
        }

        var lastStored = groups.Count > 0 ? groups[^1][0].Record!.Seq : -1;
        if (lastStored < head.LastSeq)
        {
            Add(lastStored + 1, Truncated, lastStored < 0 ? $"truncated: the head covers seq 0-{head.LastSeq}, no record is stored"
                : $"truncated: the head covers seq 0-{head.LastSeq}, the last stored record is seq {lastStored}", lastStored + 1);
        }
        else if (groups.Find(g => g[0].Record!.Seq == head.LastSeq) is { } atHead && !atHead.Exists(r => r.StoredHash == head.LastHash))
        {
            Add(AfterRecords, HeadMismatch, $"head does not match: seq {head.LastSeq} has hash {Short(atHead[0].StoredHash)}, the head names {Short(head.LastHash)}", head.LastSeq);
        }

        if (lastStored > head.LastSeq)
        {
            Add(head.LastSeq + 1, AppendedAfterHead, $"appended after the head: seq {Range(head.LastSeq + 1, lastStored)} not covered by the signed head", head.LastSeq + 1);
        }
    }

    /// <summary>The seqs whose records are anchored: an unbroken, sound, single-record chain from the head's last record down (none: an empty range).</summary>
    private static (long From, long To) Anchored(Dictionary<long, List<StoredRecord>> bySeq, RunHead? head, string? runId)
    {
        if (head is null || head.RunId != runId || !bySeq.TryGetValue(head.LastSeq, out var top) || top is not [var last]
            || !last.IsSelfConsistent || last.StoredHash != head.LastHash)
        {
            return (0, -1);
        }

        var from = head.LastSeq;
        while (from > 0 && bySeq.TryGetValue(from - 1, out var below) && below is [var previous] && previous.IsSelfConsistent
            && bySeq[from][0].Record!.Previous == previous.StoredHash)
        {
            from--;
        }

        return (from, head.LastSeq);
    }

    private static string Range(long from, long to) => from == to ? $"{from}" : $"{from}-{to}";

    private static string Short(string hash) => hash.Length > 16 ? hash[..16] + "…" : hash;

    private void Add(double order, EvidenceProblemKind kind, string message, long? seq) => found.Add((order, new EvidenceProblem(kind, message, runId, seq)));
}
