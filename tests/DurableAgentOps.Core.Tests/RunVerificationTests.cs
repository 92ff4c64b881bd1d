using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Evidence.EvidenceProblemKind;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

public sealed class RunVerificationTests
{
    private static readonly IReadOnlyList<EvidenceRecord> Ten = Records(10);
    private static readonly RunHead Head = HeadOf(Ten);
    private static readonly string Signature = Sign(Head);

    private static EvidenceReport Verify(IReadOnlyList<StoredRecord> rows, RunHead? head = null, string? signature = null) =>
        EvidenceVerifier.VerifyRun(rows, head ?? Head, head is null ? Signature : signature, Key);

    private static List<StoredRecord> Rows() => Stored(Ten);

    [Fact]
    public void VerifyRun_UntouchedRun_IsIntact()
    {
        var report = Verify(Rows());

        Assert.True(report.IsIntact, report.ToString());
    }

    [Fact]
    public void VerifyRun_ContentEditedInStorage_IsChangedAtThatSeq()
    {
        var rows = Rows();
        rows[4] = Edited(rows[4], "\"n\":4", "\"n\":40");

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal((Changed, 4L, "changed at seq 4: its content does not match its stored hash"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_ContentAndStoredHashRewritten_IsChangedAtThatSeqBecauseItsSuccessorLinksElsewhere()
    {
        var rows = Rows();
        rows[4] = Rewritten(rows[4], r => r with { Kind = "approval" });

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal((Changed, 4L, "changed at seq 4: its hash is not the one seq 5 links to"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_LastRecordRewrittenWithItsHash_HeadDoesNotMatch()
    {
        var rows = Rows();
        rows[9] = Rewritten(rows[9], r => r with { Kind = "run-end-forged" });

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal(HeadMismatch, problem.Kind);
        Assert.StartsWith("head does not match: seq 9 has hash ", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyRun_RecordDeleted_IsRemovedAtThatSeq()
    {
        var rows = Rows();
        rows.RemoveAt(4);

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal((Removed, 4L, "removed: seq 4 missing"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_SeveralRecordsDeleted_NamesTheRange()
    {
        var rows = Rows();
        rows.RemoveRange(3, 3);

        Assert.Equal("removed: seq 3-5 missing", Assert.Single(Verify(rows).Problems).Message);
    }

    [Theory]
    [InlineData(4)] // stored before the genuine record
    [InlineData(5)] // stored after it
    public void VerifyRun_ExtraRecordWithAnExistingSeq_IsInsertedAtThatSeq(int position)
    {
        var rows = Rows();
        var forged = new EvidenceRecord(RunId, 4, "approval", T0.AddSeconds(4), Ten[3].Hash, new JsonObject { ["approved"] = true });
        rows.Insert(position, StoredRecord.Of(forged));

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal((Inserted, 4L, "inserted at seq 4: 2 records claim seq 4"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_RecordWhosePrevDoesNotLink_IsInsertedAtThatSeq()
    {
        var records = Records(10);
        var head = HeadOf(records.Take(9).ToList());
        var rows = Stored(records.Take(9));
        rows.Add(StoredRecord.Of(new EvidenceRecord(RunId, 9, "run-end", T0.AddHours(1), new string('e', 64), [])));

        var report = Verify(rows, head, Sign(head));

        Assert.Equal((Inserted, 9L, "inserted at seq 9: its prev does not link to seq 8"), (report.First!.Kind, report.First.Seq, report.First.Message));
        Assert.Equal(AppendedAfterHead, report.Problems[1].Kind);
    }

    [Fact]
    public void VerifyRun_RecordOfAnotherRun_IsInserted()
    {
        var rows = Rows();
        rows.Insert(3, StoredRecord.Of(Records(4, "other-run")[3]));

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal((Inserted, "inserted at seq 3: it is a record of run other-run"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void VerifyRun_TwoRecordsSwappedInStorage_IsReorderedAtTheFirstOutOfPlace()
    {
        var rows = Rows();
        (rows[4], rows[5]) = (rows[5], rows[4]);

        var problem = Assert.Single(Verify(rows).Problems);
        Assert.Equal((Reordered, 4L, "reordered at seq 4: stored after seq 5"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_SignedHeadWithAnotherLastHash_HeadDoesNotMatch()
    {
        var head = Head with { LastHash = new string('b', 64) };

        var problem = Assert.Single(Verify(Rows(), head, Sign(head)).Problems);
        Assert.Equal(HeadMismatch, problem.Kind);
        Assert.Equal($"head does not match: seq 9 has hash {Ten[9].Hash[..16]}…, the head names bbbbbbbbbbbbbbbb…", problem.Message);
    }

    [Fact]
    public void VerifyRun_SignedHeadCountingOtherThanItsLastSeq_HeadDoesNotMatch()
    {
        var head = Head with { Records = 11 };

        var problem = Assert.Single(Verify(Rows(), head, Sign(head)).Problems);
        Assert.Equal((HeadMismatch, "head does not match: it counts 11 records but its last seq is 9"), (problem.Kind, problem.Message));
    }

    [Fact]
    public void VerifyRun_HeadOfAnotherRun_HeadDoesNotMatch()
    {
        var head = Head with { RunId = "other-run" };

        var report = EvidenceVerifier.VerifyRun(Rows(), head, Sign(head), Key, RunId);

        Assert.Equal("head does not match: it is the head of run other-run", Assert.Single(report.Problems).Message);
    }

    [Fact]
    public void VerifyRun_HeadOfAnotherRunWithNoRunNamed_BlamesTheHeadNotTheRecords()
    {
        var other = Run(3, "other-run");

        var report = EvidenceVerifier.VerifyRun(Rows(), other.Head, other.HeadSignature, Key);

        Assert.Equal(HeadMismatch, report.First!.Kind);
        Assert.DoesNotContain(report.Problems, p => p.Kind == Inserted);
    }

    [Fact]
    public void VerifyRun_HeadEditedAfterSigning_SignatureDoesNotVerify()
    {
        var problem = Assert.Single(Verify(Rows(), Head with { Final = false }, Signature).Problems);

        Assert.Equal((HeadSignature, "head signature does not verify"), (problem.Kind, problem.Message));
    }

    [Fact]
    public async Task VerifyRun_HeadSignedWithAnotherKey_SignatureDoesNotVerify()
    {
        using var other = new PemEvidenceSigner(PemEvidenceSigner.NewPrivateKeyPem());

        var report = Verify(Rows(), Head, await other.SignAsync(Head, CancellationToken.None));

        Assert.Equal(HeadSignature, Assert.Single(report.Problems).Kind);
    }

    [Theory]
    [InlineData(null, "head signature does not verify: there is none")]
    [InlineData("", "head signature does not verify")]
    [InlineData("not base64url!", "head signature does not verify")]
    [InlineData("AAAA", "head signature does not verify")]
    public void VerifyRun_HeadSignatureMissingOrNotASignature_DoesNotVerify(string? signature, string message) =>
        Assert.Equal(message, Assert.Single(Verify(Rows(), Head, signature).Problems).Message);

    [Fact]
    public void VerifyRun_SignatureWithStrayBitsInItsLastCharacter_DoesNotVerify()
    {
        // 64 bytes take 86 characters; the last carries 2 bits and 4 unused ones a lax decoder would ignore.
        var last = Signature[^1];
        var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var sameBits = alphabet[(alphabet.IndexOf(last, StringComparison.Ordinal) & ~0xF) | ((alphabet.IndexOf(last, StringComparison.Ordinal) + 1) & 0xF)];

        Assert.Equal(HeadSignature, Assert.Single(Verify(Rows(), Head, Signature[..^1] + sameBits).Problems).Kind);
        Assert.Equal(HeadSignature, Assert.Single(Verify(Rows(), Head, Signature + "==").Problems).Kind);
    }

    [Fact]
    public void VerifyRun_RecordsAfterTheHead_AreAppendedAfterTheHead()
    {
        var head = HeadOf(Ten.Take(8).ToList());

        var problem = Assert.Single(Verify(Rows(), head, Sign(head)).Problems);
        Assert.Equal((AppendedAfterHead, 8L, "appended after the head: seq 8-9 not covered by the signed head"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_TailDeleted_IsTruncated()
    {
        var problem = Assert.Single(Verify(Rows()[..8]).Problems);

        Assert.Equal((Truncated, 8L, "truncated: the head covers seq 0-9, the last stored record is seq 7"), (problem.Kind, problem.Seq, problem.Message));
    }

    [Fact]
    public void VerifyRun_EveryRecordDeleted_IsTruncatedWithNoneStored() =>
        Assert.Equal("truncated: the head covers seq 0-9, no record is stored", Assert.Single(Verify([]).Problems).Message);

    [Fact]
    public void VerifyRun_NoHead_IsHeadMissing()
    {
        var report = EvidenceVerifier.VerifyRun(Rows(), null, null, Key);

        Assert.Equal((HeadMissing, "no head: the run has no signed head"), (Assert.Single(report.Problems).Kind, report.First!.Message));
    }

    [Fact]
    public void VerifyRun_RowThatIsNotARecord_IsMalformedAtItsPositionAndItsSeqIsMissing()
    {
        var rows = Rows();
        rows[3] = StoredRecord.Parse("{\"at\":", rows[3].StoredHash);

        var report = Verify(rows);

        Assert.Equal([Malformed, Removed], report.Problems.Select(p => p.Kind));
        Assert.StartsWith("malformed at position 3: not JSON", report.First!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyRun_TextReformattedWithTheStoredHashKept_IsChanged()
    {
        var rows = Rows();
        rows[2] = StoredRecord.Parse(rows[2].Json.Replace(",", ", ", StringComparison.Ordinal), rows[2].StoredHash);

        Assert.Equal("changed at seq 2: its stored text is not its canonical form", Assert.Single(Verify(rows).Problems).Message);
    }

    [Fact]
    public void VerifyRun_StoredHashEditedAlone_IsChangedOnceNotAlsoABrokenLink()
    {
        var rows = Rows();
        rows[4] = StoredRecord.Parse(rows[4].Json, new string('c', 64));

        Assert.Equal("changed at seq 4: its content does not match its stored hash", Assert.Single(Verify(rows).Problems).Message);
    }

    [Fact]
    public void VerifyRun_FirstRecordNamingAPredecessor_IsChangedAtSeqZero()
    {
        var rows = Rows();
        rows[0] = Rewritten(rows[0], r => r with { Previous = new string('a', 64) });

        Assert.Equal("changed at seq 0: its prev is not 64 zeros", Verify(rows).First!.Message);
    }

    [Fact]
    public void VerifyRun_SeveralBreaks_ReportsTheFirstRecordFirst()
    {
        var rows = Rows();
        rows[7] = Edited(rows[7], "\"n\":7", "\"n\":70");
        rows.RemoveAt(2);

        var report = Verify(rows);

        Assert.Equal(["removed: seq 2 missing", "changed at seq 7: its content does not match its stored hash"], report.Problems.Select(p => p.Message));
    }

    /// <summary>Each kind of tampering is told apart by the first problem's kind.</summary>
    [Fact]
    public void VerifyRun_EachTampering_HasItsOwnFirstProblemKind()
    {
        var truncatedHead = HeadOf(Ten.Take(8).ToList());
        var wrongHash = Head with { LastHash = new string('b', 64) };
        var cases = new (string Name, Func<List<StoredRecord>, List<StoredRecord>> Change, RunHead Head, string? Signature)[]
        {
            ("changed", r => { r[4] = Edited(r[4], "step-4", "step-X"); return r; }, Head, Signature),
            ("removed", r => { r.RemoveAt(4); return r; }, Head, Signature),
            ("inserted", r => { r.Insert(5, StoredRecord.Of(Ten[4] with { Kind = "approval" })); return r; }, Head, Signature),
            ("reordered", r => { (r[4], r[5]) = (r[5], r[4]); return r; }, Head, Signature),
            ("head", r => r, wrongHash, Sign(wrongHash)),
            ("signature", r => r, Head with { Final = false }, Signature),
            ("appended", r => r, truncatedHead, Sign(truncatedHead)),
            ("truncated", r => r[..8], Head, Signature),
        };

        var kinds = cases.Select(c => Verify(c.Change(Rows()), c.Head, c.Signature).First!.Kind).ToList();

        Assert.Equal([Changed, Removed, Inserted, Reordered, HeadMismatch, HeadSignature, AppendedAfterHead, Truncated], kinds);
    }

    /// <summary>Any one character of any stored row changed (the stored hash kept) is found, and nothing throws.</summary>
    [Fact]
    public void VerifyRun_AnyCharacterOfAnyRowChanged_IsNeverIntact()
    {
        var rows = Stored(Records(3));
        var head = HeadOf(Records(3));
        var signature = Sign(head);
        for (var row = 0; row < rows.Count; row++)
        {
            var json = rows[row].Json;
            for (var i = 0; i < json.Length; i++)
            {
                foreach (var c in new[] { (char)(json[i] ^ 1), (char)(json[i] ^ 0x20), ' ' })
                {
                    if (c == json[i])
                    {
                        continue;
                    }

                    var changed = rows.ToList();
                    changed[row] = StoredRecord.Parse(json[..i] + c + json[(i + 1)..], rows[row].StoredHash);
                    Assert.False(EvidenceVerifier.VerifyRun(changed, head, signature, Key).IsIntact, $"row {row}, position {i}: '{c}'");
                }
            }
        }
    }
}
