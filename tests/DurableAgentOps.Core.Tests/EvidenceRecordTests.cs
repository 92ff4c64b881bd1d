using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using static DurableAgentOps.Core.Tests.EvidenceFixture;

namespace DurableAgentOps.Core.Tests;

public sealed class EvidenceRecordTests
{
    [Fact]
    public void ToCanonicalJson_FirstRecord_IsSortedCompactWithMillisecondUtcAndGenesisPrev()
    {
        var first = Records(3)[0];

        Assert.Equal(
            "{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{\"n\":0,\"step\":\"step-0\"},\"kind\":\"run-start\",\"prev\":\"" + new string('0', 64) +
            "\",\"run\":\"crm-followup-3f2a9c1d\",\"seq\":0,\"v\":1}",
            first.ToCanonicalJson());
    }

    [Fact]
    public void Hash_FirstRecord_IsSha256OfTheCanonicalText()
    {
        // Computed with Python's hashlib over the text the test above pins.
        Assert.Equal("00c84fc524fd45369c5d38c986362b69c9fb850cdba230dbfc3dca5f32fb9a2b", Records(3)[0].Hash);
    }

    [Fact]
    public void ToCanonicalJson_TimeWithAnOffset_IsWrittenInUtc()
    {
        var record = Records(1)[0] with { At = new DateTimeOffset(2026, 3, 1, 10, 30, 0, 250, TimeSpan.FromHours(2)) };

        Assert.Contains("\"at\":\"2026-03-01T08:30:00.250Z\"", record.ToCanonicalJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Append_AfterStart_NumbersFromZeroAndLinksEachToThePrevious()
    {
        var records = Records(4);

        Assert.Equal([0L, 1, 2, 3], records.Select(r => r.Seq));
        Assert.Equal(EvidenceRecord.GenesisHash, records[0].Previous);
        for (var i = 1; i < records.Count; i++)
        {
            Assert.Equal(records[i - 1].Hash, records[i].Previous);
        }
    }

    [Fact]
    public void Append_AfterAKnownTip_ContinuesTheChain()
    {
        var first = Records(3);
        var more = EvidenceChain.Append(RunId, ChainTip.Of(first[^1]), [new EvidenceEntry("notice", T0.AddMinutes(1), new JsonObject { ["to"] = "bob" })]);

        Assert.Equal(3, more[0].Seq);
        Assert.Equal(first[^1].Hash, more[0].Previous);
        Assert.True(EvidenceVerifier.VerifyRun(Stored([.. first, .. more]), null, null, Key).Problems.All(p => p.Kind == EvidenceProblemKind.HeadMissing));
    }

    [Fact]
    public void Append_SubMillisecondTime_IsCutSoTheRecordEqualsItselfReadBack()
    {
        var at = T0.AddTicks(12_345);
        var record = EvidenceChain.Append(RunId, ChainTip.Start, [new EvidenceEntry("run-start", at, [])])[0];

        Assert.Equal(T0.AddMilliseconds(1), record.At);
        Assert.True(EvidenceRecord.TryParse(record.ToCanonicalJson(), out var read, out _));
        Assert.Equal(record.At, read.At);
        Assert.Equal(record.Hash, read.Hash);
    }

    [Fact]
    public void Append_DataChangedByTheCallerAfterwards_DoesNotChangeTheRecord()
    {
        var data = new JsonObject { ["n"] = 1 };
        var record = EvidenceChain.Append(RunId, ChainTip.Start, [new EvidenceEntry("run-start", T0, data)])[0];
        var hash = record.Hash;
        data["n"] = 2;

        Assert.Equal(hash, record.Hash);
    }

    [Theory]
    [InlineData("Run-Start")]
    [InlineData("run start")]
    [InlineData("")]
    [InlineData("step\n")]
    public void Append_KindOutsideThePattern_IsRefused(string kind) =>
        Assert.Throws<ArgumentException>(() => EvidenceChain.Append(RunId, ChainTip.Start, [new EvidenceEntry(kind, T0, [])]));

    [Theory]
    [InlineData("")]
    [InlineData("run/1")]
    [InlineData("run<1>")]
    [InlineData("-starts-with-dash")]
    public void Append_RunIdOutsideThePattern_IsRefused(string runId) =>
        Assert.Throws<ArgumentException>(() => EvidenceChain.Append(runId, ChainTip.Start, [new EvidenceEntry("step", T0, [])]));

    [Fact]
    public void Append_TipThatIsNoChainEnd_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => EvidenceChain.Append(RunId, new ChainTip(-1, new string('a', 64)), []));
        Assert.Throws<ArgumentException>(() => EvidenceChain.Append(RunId, new ChainTip(4, EvidenceRecord.GenesisHash), []));
        Assert.Throws<ArgumentException>(() => EvidenceChain.Append(RunId, new ChainTip(4, new string('A', 64)), []));
    }

    [Fact]
    public void TryParse_CanonicalText_ReadsBackTheSameRecordAndHash()
    {
        var record = EvidenceChain.Append(RunId, ChainTip.Start, [new EvidenceEntry("step", T0, new JsonObject
        {
            ["text"] = "quote \" backslash \\ <b>&'+` é 😀 \u0001 \n",
            ["list"] = new JsonArray(1, 2.5, true, null, "x"),
            ["nested"] = new JsonObject { ["z"] = 1, ["a"] = new JsonObject() },
        })])[0];

        Assert.True(EvidenceRecord.TryParse(record.ToCanonicalJson(), out var read, out var error), error);
        Assert.Equal(record.ToCanonicalJson(), read.ToCanonicalJson());
        Assert.True(StoredRecord.Of(record).IsCanonical);
        Assert.True(StoredRecord.Parse(record.ToCanonicalJson(), record.Hash).IsCanonical);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("not json")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"P\",\"run\":\"r\",\"seq\":0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":2}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":-1,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":1.0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":\"1\",\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"Step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T10:00:00.000+01:00\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":[],\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":1,\"extra\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"seq\":1,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{\"s\":\"\\ud800\"},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"seq\":0,\"v\":1}")]
    [InlineData("{\"at\":\"2026-03-01T09:00:00.000Z\",\"data\":{},\"kind\":\"step\",\"prev\":\"#Z\",\"run\":\"r\",\"v\":1}")]
    public void TryParse_NotARecord_FailsWithAReasonAndNeverThrows(string? json)
    {
        json = json?.Replace("#Z", EvidenceRecord.GenesisHash, StringComparison.Ordinal);

        Assert.False(EvidenceRecord.TryParse(json, out var record, out var error));
        Assert.Null(record);
        Assert.False(string.IsNullOrEmpty(error));
        var stored = StoredRecord.Parse(json, EvidenceRecord.GenesisHash);
        Assert.Null(stored.Record);
        Assert.Equal(error, stored.Malformed);
    }

    [Fact]
    public void TryParse_NestedTooDeep_FailsWithoutThrowing()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200);
        var json = Records(1)[0].ToCanonicalJson().Replace("{\"n\":0,\"step\":\"step-0\"}", deep, StringComparison.Ordinal);

        Assert.False(EvidenceRecord.TryParse(json, out _, out var error));
        Assert.Contains("not JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void StoredRecordParse_WhitespaceAdded_ParsesButIsNotCanonical()
    {
        var record = Records(1)[0];
        var stored = StoredRecord.Parse(record.ToCanonicalJson().Replace(",", ", ", StringComparison.Ordinal), record.Hash);

        Assert.NotNull(stored.Record);
        Assert.False(stored.IsCanonical);
        Assert.NotEqual(stored.StoredHash, stored.TextHash);
    }
}
