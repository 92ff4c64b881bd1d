using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Tests;

/// <summary>Runs, heads and logs for the evidence tests, signed with one key made for the test run.</summary>
internal static class EvidenceFixture
{
    public const string RunId = "crm-followup-3f2a9c1d";

    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static PemEvidenceSigner Signer { get; } = new(PemEvidenceSigner.NewPrivateKeyPem());

    public static EvidencePublicKey Key { get; } = Signer.PublicKey;

    /// <summary><paramref name="count"/> linked records: run-start, steps, run-end.</summary>
    public static IReadOnlyList<EvidenceRecord> Records(int count, string runId = RunId) =>
        EvidenceChain.Append(runId, ChainTip.Start, Enumerable.Range(0, count).Select(i => new EvidenceEntry(
            i == 0 ? "run-start" : i == count - 1 ? "run-end" : "step",
            T0.AddSeconds(i),
            new JsonObject { ["step"] = $"step-{i}", ["n"] = i })));

    public static List<StoredRecord> Stored(IEnumerable<EvidenceRecord> records) => [.. records.Select(StoredRecord.Of)];

    public static RunHead HeadOf(IReadOnlyList<EvidenceRecord> records, bool final = true) => RunHead.For(records[^1], final, records[^1].At.AddSeconds(1));

    public static string Sign(RunHead head) => Signer.SignAsync(head, CancellationToken.None).GetAwaiter().GetResult();

    public static string Sign(TreeHead head) => Signer.SignAsync(head, CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>A run's evidence as storage would return it: records, head, head signature.</summary>
    public static RunEvidence Run(int count, string runId = RunId)
    {
        var records = Records(count, runId);
        var head = HeadOf(records);
        return new RunEvidence(Stored(records), head, Sign(head));
    }

    /// <summary>A stored row whose text is <paramref name="row"/>'s with <paramref name="from"/> replaced, keeping its stored hash.</summary>
    public static StoredRecord Edited(StoredRecord row, string from, string to) => StoredRecord.Parse(TestFiles.Edit(row.Json, from, to), row.StoredHash);

    /// <summary>A record as a forger with no key but write access would store it: new content, fresh hash.</summary>
    public static StoredRecord Rewritten(StoredRecord row, Func<EvidenceRecord, EvidenceRecord> change) => StoredRecord.Of(change(row.Record!));
}
