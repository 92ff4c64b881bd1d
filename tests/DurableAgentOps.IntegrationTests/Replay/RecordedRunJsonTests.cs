using System.Text.Json;
using DurableAgentOps.Runtime.Replay;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>The documented JSON shape of a recorded run, as another producer (the evidence ledger) writes it.</summary>
public sealed class RecordedRunJsonTests
{
    private const string Ledger = """
        {
          "instanceId": "run-1",
          "startedAt": "2031-05-06T07:08:09Z",
          "input": { "runId": "run-1", "workflow": "replay-followup" },
          "items": [
            { "name": "LoadDefinitionActivity", "kind": "activity", "input": { "workflow": "replay-followup" }, "result": { "sha256": "ab" }, "at": "2031-05-06T07:08:10Z" },
            { "kind": "activity", "name": "ReadStepActivity", "input": {}, "failure": { "type": "System.InvalidOperationException", "message": "no answer" }, "at": "2031-05-06T07:08:11Z" },
            { "kind": "timer", "at": "2031-05-06T07:08:21Z" },
            { "kind": "event", "name": "approval", "payload": { "decisionId": "d-1" }, "at": "2031-05-06T07:09:00Z" }
          ],
          "outcome": { "status": "completed", "output": { "outcome": "completed" } }
        }
        """;

    [Fact]
    public void FromJson_LedgerShapedRecording_ReadsEveryKindOfItem()
    {
        var run = RecordedRun.FromJson(Ledger);

        Assert.Equal("run-1", run.InstanceId);
        Assert.True(run.InputsRecorded);
        var load = Assert.IsType<RecordedActivity>(run.Items[0]); // "kind" need not come first
        Assert.Equal("ab", load.Result!["sha256"]!.GetValue<string>());
        Assert.Equal("no answer", Assert.IsType<RecordedActivity>(run.Items[1]).Failure!.Message);
        Assert.Equal(new RecordedTimer(null, null, new DateTime(2031, 5, 6, 7, 8, 21, DateTimeKind.Utc)), run.Items[2]);
        Assert.Equal("approval", Assert.IsType<RecordedEvent>(run.Items[3]).Name);
        Assert.Equal("completed: completed", run.Outcome!.Describe());
    }

    [Fact]
    public void ToJson_ReadBack_SameItems()
    {
        var run = RecordedRun.FromJson(Ledger);

        var again = RecordedRun.FromJson(run.ToJson());

        Assert.Equal(run.ToJson(), again.ToJson());
        Assert.Equal(run.Items[2], again.Items[2]);
    }

    [Fact]
    public void FromJson_RecordingMadeBeforeTimersSetWereKept_ReadsWithoutThem()
    {
        var run = RecordedRun.FromJson(Ledger);

        Assert.Null(run.TimersSet); // unknown, not none: replay then compares timers as they fire
        Assert.All(run.Items.OfType<RecordedActivity>(), a => Assert.Null(a.Id));
        Assert.True(run.AppendsRecorded);
    }

    [Fact]
    public void ToJson_HistoryShapedRecording_KeepsSequenceNumbersTimersSetAndAppendsRecorded()
    {
        var json = """
            {
              "instanceId": "run-1",
              "startedAt": "2031-05-06T07:08:09Z",
              "items": [ { "kind": "activity", "id": 0, "name": "LoadDefinitionActivity", "input": {}, "result": {}, "at": "2031-05-06T07:08:09Z" } ],
              "timersSet": [ { "id": 1, "fireAt": "2031-05-07T07:08:10Z", "at": "2031-05-06T07:08:10Z" } ],
              "appendsRecorded": false
            }
            """;

        var run = RecordedRun.FromJson(RecordedRun.FromJson(json).ToJson());

        Assert.Equal(0, Assert.IsType<RecordedActivity>(run.Items[0]).Id);
        Assert.Equal(new RecordedTimerSet(1, new DateTime(2031, 5, 7, 7, 8, 10, DateTimeKind.Utc), new DateTime(2031, 5, 6, 7, 8, 10, DateTimeKind.Utc)), Assert.Single(run.TimersSet!));
        Assert.False(run.AppendsRecorded);
    }

    [Theory]
    [InlineData("""{ "startedAt": "2031-05-06T07:08:09Z", "items": [] }""", "instanceId")]
    [InlineData("""{ "instanceId": "run-1", "startedAt": "2031-05-06T07:08:09Z" }""", "items")]
    [InlineData("""{ "instanceId": "run-1", "startedAt": "2031-05-06T07:08:09Z", "items": [ { "kind": "activity", "at": "2031-05-06T07:08:09Z" } ] }""", "name")]
    public void FromJson_MissingWhatReplayNeeds_RefusedSayingWhat(string json, string missing)
    {
        var error = Assert.Throws<JsonException>(() => RecordedRun.FromJson(json));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
