using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Replay;
using static DurableAgentOps.IntegrationTests.Replay.ReplayWorkflows;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// Replay from the evidence ledger, for when the Durable history is purged: a run's records rebuilt into a recording
/// (decisions, not history events) replay like its history does: the same decisions unchanged, the same first
/// divergence after a change, named by the input's digest alone.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LedgerReplayTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public static TheoryData<string, string> DefinitionChanges { get; } = new()
    {
        { "a step added", Edit(Gated, "  - id: route-by-tier\n", ReplayWorkflows.AddedStep + "  - id: route-by-tier\n") },
        { "a route condition changed", Edit(Gated, "when: account.tier == 'strategic'", "when: account.tier == 'key'") },
        { "a scope changed", Edit(Gated, "operations: [crm.accounts.read]", "operations: [crm.accounts.read, crm.calls.read]") },
    };

    [Fact]
    public void FromEvidence_HandBuiltRecords_EveryCallEventAndTimerInTheOrderTheRunReceivedThem()
    {
        var records = Chain(
            ("run-start", Data(Call(Runtime.Workflows.LoadDefinitionActivity.Name, "d-load", new JsonObject { ["sha256"] = "ab" }),
                ("workflow", "replay-followup"), ("definitionSha256", "ab"), ("definitionLoaded", true), ("environment", "local"),
                ("initiator", new JsonObject { ["id"] = "tenant/alice", ["name"] = "Alice" }), ("input", new JsonObject { ["accountId"] = "ACC-000002" }))),
            ("step", Data(Call("ReadStepActivity", "d-read", new JsonObject { ["stepId"] = "read-account" }), ("stepId", "read-account"))),
            ("approval-request", Data(Call("PrepareChangeActivity", "d-prepare", new JsonObject { ["digest"] = "cc" }), ("stepId", "write-followup"))),
            ("notice", Data(Call("NotifyApproversActivity", "d-notify-1", new JsonObject { ["recipients"] = 1 }), ("kind", "request"))),
            ("notice", Data(Call("NotifyApproversActivity", "d-notify-2", new JsonObject { ["recipients"] = 1 }), ("kind", "reminder"))),
            ("ignored-event", Data(null, ("stepId", "write-followup"), ("event", new JsonObject { ["hello"] = 1 }))),
            ("decision", Data(Call("VerifyDecisionActivity", "d-verify", new JsonObject { ["decision"] = new JsonObject() }),
                ("stepId", "write-followup"), ("event", new JsonObject { ["decisionId"] = "decision-1" }))),
            ("escalation", Data(null, ("stepId", "write-followup"))),
            ("run-end", Data(null, ("outcome", "rejected"))));

        var run = RecordedRun.FromEvidence(records);

        Assert.Equal("run-1", run.InstanceId);
        Assert.Equal(
            ["activity LoadDefinitionActivity", "activity ReadStepActivity", "activity PrepareChangeActivity", "activity NotifyApproversActivity",
             "timer", "activity NotifyApproversActivity", "event approval", "event approval", "activity VerifyDecisionActivity", "timer"],
            run.Items.Select(Describe));
        var read = Assert.IsType<RecordedActivity>(run.Items[1]);
        Assert.Null(read.Input);
        Assert.Equal("d-read", read.InputDigest);
        Assert.Equal("read-account", read.Step);
        Assert.Equal("read-account", read.Result!["stepId"]!.GetValue<string>());
        Assert.Equal("decision-1", Assert.IsType<RecordedEvent>(run.Items[7]).Payload!["decisionId"]!.GetValue<string>());
        Assert.Equal(T0.AddSeconds(1).UtcDateTime, read.At); // the exact clock, not the record's milliseconds
        Assert.Equal("replay-followup", run.Input!["workflow"]!.GetValue<string>());
        Assert.Equal("ACC-000002", run.Input["input"]!["accountId"]!.GetValue<string>());
        Assert.Equal("run-1", run.Input["runId"]!.GetValue<string>());
        Assert.Equal("completed: rejected", run.Outcome!.Describe());
        Assert.Empty(run.Caveats);
    }

    [Fact]
    public void FromEvidence_WriteFailedAfterItsGateApproved_TheFailedWriteComesBeforeTheOutcomeNotice()
    {
        var records = Chain(
            ("run-start", Data(Call(Runtime.Workflows.LoadDefinitionActivity.Name, "d-load", new JsonObject()), ("workflow", "w"), ("definitionSha256", "ab"))),
            ("notice", Data(Call("NotifyApproversActivity", "d-notify", new JsonObject()), ("kind", "outcome"))),
            ("refusal", Data(Call("WriteStepActivity", "d-write", null, "InvalidOperationException: the CRM refused the task"), ("stepId", "write-followup"))),
            ("run-end", Data(null, ("outcome", "failed"),
                ("failure", new JsonObject { ["step"] = "write-followup", ["identity"] = "crm-writer", ["reason"] = "InvalidOperationException: the CRM refused the task" }))));

        var run = RecordedRun.FromEvidence(records);

        Assert.Equal(["activity LoadDefinitionActivity", "activity WriteStepActivity", "activity NotifyApproversActivity"], run.Items.Select(Describe));
        var write = Assert.IsType<RecordedActivity>(run.Items[1]);
        Assert.Equal(new RecordedFailure("InvalidOperationException", "the CRM refused the task", NonRetriable: true), write.Failure);
        Assert.Equal("failed: step 'write-followup' (identity crm-writer) failed: InvalidOperationException: the CRM refused the task", run.Outcome!.Describe());
    }

    [Fact]
    public void FromEvidence_NoRunStart_RefusedSayingThereIsNoInput()
    {
        var records = Chain(("refusal", Data(null, ("stepId", "(start)"))), ("run-end", Data(null, ("outcome", "refused"))));

        var error = Assert.Throws<InvalidDataException>(() => RecordedRun.FromEvidence(records));

        Assert.Contains("no run-start record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEvidence_DataInAPayloadThatIsWithheld_RefusedNamingTheRecord_AndReadWhenGiven()
    {
        var step = Data(Call("ReadStepActivity", "d-read", new JsonObject { ["stepId"] = "read-account" }), ("stepId", "read-account"));
        var bytes = Encoding.UTF8.GetBytes(Core.Canonical.CanonicalJson.Serialize(step));
        var records = Chain(
            ("run-start", Data(Call(Runtime.Workflows.LoadDefinitionActivity.Name, "d-load", new JsonObject()), ("workflow", "w"), ("definitionSha256", "ab"))),
            ("step", EvidencePayload.Reference(bytes)));

        var error = Assert.Throws<InvalidDataException>(() => RecordedRun.FromEvidence(records));
        var run = RecordedRun.FromEvidence(records, new Dictionary<string, byte[]> { [EvidencePayload.DigestOf(bytes)] = bytes });

        Assert.Contains("record 1 (step) keeps its data in payload sha256:", error.Message, StringComparison.Ordinal);
        Assert.Equal("d-read", Assert.IsType<RecordedActivity>(run.Items[1]).InputDigest);
    }

    [Fact]
    public async Task Replay_UnchangedGatedRunFromItsLedger_SameDecisionsAndTheSameReportAsFromItsHistory()
    {
        var (history, evidence) = (await ReplayRecordings.GetAsync(azurite)).GatedWithEvidence;

        var fromHistory = Replayer.Replay(RecordedRun.FromHistory(history), Today(Gated));
        var fromLedger = Replayer.Replay(RecordedRun.FromEvidence(evidence), Today(Gated));

        Assert.True(fromHistory.SameDecisions, fromHistory.ToText());
        Assert.True(fromLedger.SameDecisions, fromLedger.ToText());
        Assert.Equal(fromHistory.Compared with { Bookkeeping = 0 }, fromLedger.Compared with { Bookkeeping = 0 });
        Assert.Equal(fromHistory.Compared.Bookkeeping, fromLedger.Compared.Bookkeeping);
        Assert.True(fromLedger.Compared.Bookkeeping > 0, "the run appended evidence");
        Assert.Equal(new ReplayCounts(11, 2, 1, fromLedger.Compared.Bookkeeping), fromLedger.Compared); // 11 calls, 2 events, the reminder
        Assert.Equal(fromHistory.ItemsRecorded, fromHistory.ItemsReplayed); // the appends after the end are passed over too
        Assert.Equal(fromLedger.ItemsRecorded, fromLedger.ItemsReplayed);
        Assert.Equal(fromHistory.Definition, fromLedger.Definition);
        Assert.Equal(fromHistory.OutcomeToday, fromLedger.OutcomeToday);
        Assert.Equal("completed: completed", fromLedger.OutcomeRecorded);
        Assert.Contains(fromLedger.Notes, n => n.Contains("compared by its outcome only", StringComparison.Ordinal));
        Assert.Equal((true, false), (fromHistory.AppendsCompared, fromLedger.AppendsCompared)); // the ledger keeps no appends one by one
        Assert.Contains(fromLedger.Notes, n => n.Contains("holds no evidence appends", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Replay_FailedRunFromItsLedger_SameDecisionsAndTheSameFailure()
    {
        var (history, evidence) = (await ReplayRecordings.GetAsync(azurite)).FailedWriteWithEvidence;

        var fromHistory = Replayer.Replay(RecordedRun.FromHistory(history), Today(WithoutGate));
        var fromLedger = Replayer.Replay(RecordedRun.FromEvidence(evidence), Today(WithoutGate));

        Assert.True(fromLedger.SameDecisions, fromLedger.ToText());
        Assert.True(fromHistory.SameDecisions, fromHistory.ToText());
        Assert.Contains("the CRM refused the task", fromLedger.OutcomeToday, StringComparison.Ordinal);
        Assert.Equal(fromHistory.OutcomeToday, fromLedger.OutcomeToday);
        Assert.Equal(fromLedger.OutcomeRecorded, fromLedger.OutcomeToday);
    }

    [Theory]
    [MemberData(nameof(DefinitionChanges))]
    public async Task Replay_ChangedDefinitionFromTheLedger_TheSameFirstDivergenceAsFromTheHistory(string change, string today)
    {
        var (history, evidence) = (await ReplayRecordings.GetAsync(azurite)).GatedWithEvidence;

        var fromHistory = Replayer.Replay(RecordedRun.FromHistory(history), Today(today)).Divergence;
        var fromLedger = Replayer.Replay(RecordedRun.FromEvidence(evidence), Today(today)).Divergence;

        Assert.True(fromHistory is not null && fromLedger is not null, $"{change}: history {fromHistory?.Summary}; ledger {fromLedger?.Summary}");
        Assert.NotNull(fromHistory);
        Assert.NotNull(fromLedger);
        Assert.Equal(fromHistory.Kind, fromLedger.Kind);
        Assert.Equal(fromHistory.Got, fromLedger.Got);
        Assert.Equal((fromHistory.Expected!.Name, fromHistory.Expected.Step, fromHistory.Expected.Digest),
            (fromLedger.Expected!.Name, fromLedger.Expected.Step, fromLedger.Expected.Digest));
        if (fromLedger.Kind == DivergenceKind.InputDiffers)
        {
            Assert.NotEmpty(fromHistory.Differences);
            Assert.Empty(fromLedger.Differences); // the ledger keeps the input's digest only
            Assert.Contains("digests differ", fromLedger.Summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Replay_LedgerRecordTampered_DivergesAtThatCall()
    {
        var (_, evidence) = (await ReplayRecordings.GetAsync(azurite)).GatedWithEvidence;
        var tampered = evidence.Select(r => r.Kind == "approval-request"
            ? r with { Data = Replace((JsonObject)r.Data.DeepClone(), "call", "inputDigest", new string('0', 64)) }
            : r).ToList();

        var divergence = Replayer.Replay(RecordedRun.FromEvidence(tampered), Today(Gated)).Divergence;

        Assert.NotNull(divergence);
        Assert.Equal(DivergenceKind.InputDiffers, divergence.Kind);
        Assert.Equal(("PrepareChangeActivity", "write-followup"), (divergence.Got!.Name, divergence.Got.Step));
    }

    private static ReplayOptions Today(string workflow) => new() { CurrentDefinition = Snapshot(workflow) };

    private static string Describe(RecordedItem item) => item switch
    {
        RecordedActivity a => $"activity {a.Name}",
        RecordedEvent e => $"event {e.Name}",
        _ => "timer",
    };

    private static JsonObject Replace(JsonObject data, string obj, string key, string value)
    {
        data[obj]![key] = value;
        return data;
    }

    private static JsonObject Call(string activity, string digest, JsonNode? result, string? failure = null) => new()
    {
        ["activity"] = activity, ["inputDigest"] = digest, ["result"] = result, ["failure"] = failure,
    };

    private static JsonObject Data(JsonObject? call, params (string Key, JsonNode? Value)[] fields)
    {
        var data = new JsonObject();
        foreach (var (key, value) in fields)
        {
            data[key] = value;
        }

        if (call is not null)
        {
            data["call"] = call;
        }

        return data;
    }

    /// <summary>Records as the ledger holds them, one second apart, each with its exact clock (here: a whole second).</summary>
    private static List<EvidenceRecord> Chain(params (string Kind, JsonObject Data)[] entries)
    {
        var stamped = entries.Select((e, i) =>
        {
            if (!e.Data.ContainsKey(EvidencePayload.Key))
            {
                e.Data["clock"] = T0.AddSeconds(i).UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }

            return new EvidenceEntry(e.Kind, T0.AddSeconds(i), e.Data);
        });
        return [.. EvidenceChain.Append("run-1", ChainTip.Start, stamped)];
    }
}
