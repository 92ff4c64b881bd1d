using System.Globalization;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Replay;
using DurableTask.Core.History;
using static DurableAgentOps.IntegrationTests.Replay.ReplayWorkflows;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// Today's orchestrator replayed against runs the engine recorded: unchanged, it makes the same decisions; a changed
/// definition shows at its first consequence, named by item, activity and differing input path.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ReplayTests(AzuriteFixture azurite)
{
    // The gated run's items: 0 load, 1 read, 2 draft, 3 route, 4 prepare change, 5 notify (request), 6 reminder timer,
    // 7 notify (reminder), 8 made-up event, 9 verify (ignored), 10 approval event, 11 verify, 12 write, 13 notify (outcome).
    private const int GatedItems = 14;

    public static TheoryData<string, string> DefinitionChanges { get; } = new()
    {
        { "a step added", Edit(Gated, "  - id: route-by-tier\n", AddedStep + "  - id: route-by-tier\n") },
        { "two steps reordered", SwapDraftAndRoute(Gated) },
        { "a route condition changed", Edit(Gated, "when: account.tier == 'strategic'", "when: account.tier == 'key'") },
        { "a scope changed", Edit(Gated, "operations: [crm.accounts.read]", "operations: [crm.accounts.read, crm.calls.read]") },
        { "a reminder moved", Edit(Gated, "reminders: [PT1S]", "reminders: [PT5S]") },
    };

    [Fact]
    public async Task Replay_UnchangedGatedRun_SameDecisions()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).Gated);

        var report = Replayer.Replay(recorded, Today(Gated));

        Assert.True(report.SameDecisions, report.ToText());
        Assert.Equal(GatedItems, recorded.Items.Count);
        Assert.Equal(GatedItems, report.ItemsReplayed);
        Assert.Equal(2, recorded.Items.OfType<RecordedEvent>().Count());
        Assert.Single(recorded.Items.OfType<RecordedTimer>());
        Assert.Equal("completed: completed", report.OutcomeToday);
        Assert.Equal(report.OutcomeRecorded, report.OutcomeToday);
        Assert.False(report.Definition.Changed);
        Assert.Empty(report.Notes);
        Assert.StartsWith($"Replay of run {recorded.InstanceId} (replay-followup): same decisions.", report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_UnchangedRunWithoutGateWithARetry_SameDecisions()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).WithoutGate);

        var report = Replayer.Replay(recorded, Today(WithoutGate));

        Assert.True(report.SameDecisions, report.ToText());
        Assert.Equal(
            ["LoadDefinitionActivity", "ReadStepActivity", "timer", "ReadStepActivity", "DraftStepActivity", "WriteStepActivity"],
            recorded.Items.Select(i => i is RecordedActivity a ? a.Name : "timer"));
        Assert.Equal("the CRM did not answer in time", ((RecordedActivity)recorded.Items[1]).Failure!.Message);
        Assert.Equal("completed: completed", report.OutcomeToday);
    }

    [Fact]
    public async Task Replay_UnchangedRunWithAHealedEvidenceAppendRetry_SameDecisions()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).WithoutGateHealedAppend);

        var report = Replayer.Replay(recorded, Today(WithoutGate));

        // Each failed attempt, its backoff timer firing and the next attempt, as the engine recorded them.
        Assert.True(report.SameDecisions, report.ToText());
        Assert.Equal(
            ["LoadDefinitionActivity", "AppendEvidenceActivity failed", "timer", "AppendEvidenceActivity", "ReadStepActivity failed", "timer", "ReadStepActivity",
             "AppendEvidenceActivity", "DraftStepActivity", "AppendEvidenceActivity", "WriteStepActivity", "AppendEvidenceActivity", "AppendEvidenceActivity"],
            recorded.Items.Select(i => i is RecordedActivity a ? a.Name + (a.Failure is null ? string.Empty : " failed") : "timer"));
        Assert.Equal(report.ItemsRecorded, report.ItemsReplayed);
        Assert.Equal("completed: completed", report.OutcomeToday);
    }

    [Fact]
    public async Task Replay_UnchangedFailedRun_SameDecisionsAndTheSameFailure()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).FailedWrite);

        var report = Replayer.Replay(recorded, Today(WithoutGate));

        Assert.True(report.SameDecisions, report.ToText());
        Assert.StartsWith("failed: ", report.OutcomeToday, StringComparison.Ordinal);
        Assert.Contains("the CRM refused the task", report.OutcomeToday, StringComparison.Ordinal);
        Assert.Equal(report.OutcomeRecorded, report.OutcomeToday);
    }

    [Fact]
    public async Task Replay_DefinitionAddsAStep_ActivityNameDiffersWhereTheNewStepRuns()
    {
        var report = await ReplayAsync(r => r.Gated, Today(Edit(Gated, "  - id: route-by-tier\n", AddedStep + "  - id: route-by-tier\n")));

        var divergence = Diverged(report, 3, DivergenceKind.ActivityNameDiffers);
        Assert.Equal(("RouteStepActivity", "route-by-tier"), (divergence.Expected!.Name, divergence.Expected.Step));
        Assert.Equal(("ReadStepActivity", "read-last-call"), (divergence.Got!.Name, divergence.Got.Step));
        Assert.True(report.Definition.Changed);
    }

    [Fact]
    public async Task Replay_DefinitionAddsAStepAtTheEnd_ExtraActivityToday()
    {
        var report = await ReplayAsync(r => r.WithoutGate, Today(WithoutGate.Replace("\ngates:", AddedStep.Replace("[read-account]\n", "[read-account]\n\n") + "gates:", StringComparison.Ordinal)));

        var divergence = Diverged(report, 6, DivergenceKind.ExtraActivityToday);
        Assert.Equal(("ReadStepActivity", "read-last-call"), (divergence.Got!.Name, divergence.Got.Step));
        Assert.Equal("end", divergence.Expected!.Kind);
    }

    [Fact]
    public async Task Replay_DefinitionReordersTwoSteps_ActivityNameDiffersAtTheFirstOfThem()
    {
        var report = await ReplayAsync(r => r.Gated, Today(SwapDraftAndRoute(Gated)));

        var divergence = Diverged(report, 2, DivergenceKind.ActivityNameDiffers);
        Assert.Equal(("DraftStepActivity", "draft-followup"), (divergence.Expected!.Name, divergence.Expected.Step));
        Assert.Equal(("RouteStepActivity", "route-by-tier"), (divergence.Got!.Name, divergence.Got.Step));
    }

    [Fact]
    public async Task Replay_DefinitionChangesARouteCondition_InputDiffersAtTheRouteStepsCondition()
    {
        var report = await ReplayAsync(r => r.Gated, Today(Edit(Gated, "when: account.tier == 'strategic'", "when: account.tier == 'key'")));

        var divergence = Diverged(report, 3, DivergenceKind.InputDiffers);
        Assert.Equal(("RouteStepActivity", "route-by-tier"), (divergence.Got!.Name, divergence.Got.Step));
        Assert.NotEqual(divergence.Expected!.Digest, divergence.Got.Digest);
        var difference = Assert.Single(divergence.Differences);
        Assert.Equal(new JsonDifference("step.routes[0].when", "\"account.tier == 'strategic'\"", "\"account.tier == 'key'\""), difference);
        Assert.Contains("step.routes[0].when: \"account.tier == 'strategic'\" → \"account.tier == 'key'\"", report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_DefinitionChangesAStepsScope_InputDiffersAtTheScopesOperations()
    {
        var report = await ReplayAsync(r => r.Gated, Today(Edit(Gated, "operations: [crm.accounts.read]", "operations: [crm.accounts.read, crm.calls.read]")));

        var divergence = Diverged(report, 1, DivergenceKind.InputDiffers);
        Assert.Equal(("ReadStepActivity", "read-account"), (divergence.Got!.Name, divergence.Got.Step));
        // The step now also carries the declaration of the operation its scope gained, as the run's snapshot pinned it.
        Assert.Equal(["declarations[0].operations", "step.scope.operations"], divergence.Differences.Select(d => d.Path).Order(StringComparer.Ordinal));
        Assert.Contains(new JsonDifference("step.scope.operations", "[\"crm.accounts.read\"]", "[\"crm.accounts.read\",\"crm.calls.read\"]"), divergence.Differences);
    }

    [Fact]
    public async Task Replay_DefinitionOpensAGateTheRunDidNotHave_ActivityNameDiffersAtTheWrite()
    {
        var report = await ReplayAsync(r => r.WithoutGate, Today(Edit(WithoutGate, "when: account.tier == 'strategic'", "when: account.tier == 'standard'")));

        var divergence = Diverged(report, 5, DivergenceKind.ActivityNameDiffers);
        Assert.Equal(("WriteStepActivity", "write-followup"), (divergence.Expected!.Name, divergence.Expected.Step));
        Assert.Equal(("PrepareChangeActivity", "write-followup"), (divergence.Got!.Name, divergence.Got.Step));
    }

    [Fact]
    public async Task Replay_DefinitionMovesTheReminder_WaitDiffersAtTheRecordedTimer()
    {
        var report = await ReplayAsync(r => r.Gated, Today(Edit(Gated, "reminders: [PT1S]", "reminders: [PT5S]")));

        var divergence = Diverged(report, 6, DivergenceKind.WaitDiffers);
        Assert.Equal("timer", divergence.Expected!.Kind);
        Assert.Equal("timer", divergence.Got!.Kind);
        Assert.NotEqual(divergence.Expected.Name, divergence.Got.Name);
    }

    [Fact]
    public async Task Replay_DefinitionAddsAnEscalation_WaitDiffersWhereTheGatesTimerIsSetBeforeTheEventArrives()
    {
        // The wait after the reminder now ends at the escalation, not at the deadline; an event ended it before either.
        var report = await ReplayAsync(r => r.Gated, Today(Edit(Gated, "    reminders: [PT1S]\n", "    reminders: [PT1S]\n    escalation:\n      after: PT12H\n      to: director-review\n")));

        var divergence = Diverged(report, 8, DivergenceKind.WaitDiffers);
        Assert.Equal(("timer", "timer"), (divergence.Expected!.Kind, divergence.Got!.Kind));
        var recordedFireAt = DateTime.Parse(divergence.Expected.Name["set for ".Length..], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        var todaysFireAt = DateTime.Parse(divergence.Got.Name["set for ".Length..], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.Equal(TimeSpan.FromHours(12), recordedFireAt - todaysFireAt); // the deadline (a day) against the escalation (12 hours)
    }

    [Theory]
    [MemberData(nameof(DefinitionChanges))]
    public async Task Replay_RecordedDefinitionAfterAChange_SameDecisionsAndTheChangeReported(string change, string today)
    {
        var report = await ReplayAsync(r => r.Gated, Today(today) with { UseRecordedDefinition = true });

        Assert.True(report.SameDecisions, $"{change}: {report.ToText()}");
        Assert.True(report.Definition.Changed, change);
        Assert.False(report.Definition.ReplayedCurrent);
        Assert.Contains("(the definition changed)", report.ToText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, "activity", "DraftStepActivity")] // cut after the read's result: today's code calls the draft
    [InlineData(6, "waiting", "event 'approval' or its timer at")] // cut once the gate has asked: today's code waits
    public async Task Replay_HistoryCutShort_RecordingEnds(int itemsKept, string gotKind, string gotStart)
    {
        var history = (await ReplayRecordings.GetAsync(azurite)).Gated;
        var recorded = RecordedRun.FromHistory(CutAfter(history, itemsKept));

        var report = Replayer.Replay(recorded, Today(Gated));

        Assert.Equal(itemsKept, recorded.Items.Count);
        Assert.Null(recorded.Outcome);
        var divergence = Diverged(report, itemsKept, DivergenceKind.RecordingEnds);
        Assert.Equal(gotKind, divergence.Got!.Kind);
        Assert.StartsWith(gotStart, divergence.Got.Name, StringComparison.Ordinal);
        Assert.Equal(ReplayReport.NotReached, report.OutcomeToday);
    }

    [Fact]
    public async Task Replay_RecordingThroughJson_SameReports()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).Gated);
        var json = recorded.ToJson();
        var read = RecordedRun.FromJson(json);

        Assert.Contains("\"kind\": \"activity\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"event\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"timer\"", json, StringComparison.Ordinal);
        Assert.Equal(recorded.Items.Count, read.Items.Count);
        foreach (var today in new[] { Today(Gated), Today(Edit(Gated, "when: account.tier == 'strategic'", "when: account.tier == 'key'")) })
        {
            Assert.Equal(Replayer.Replay(recorded, today).ToText(), Replayer.Replay(read, today).ToText());
        }
    }

    [Fact]
    public async Task Replay_TimersKnownOnlyByWhenTheyFired_SameDecisions()
    {
        // A recording rebuilt from the ledger may not know which timer fired, nor what it was set for.
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).Gated);
        var vague = recorded with { Items = [.. recorded.Items.Select(i => i is RecordedTimer t ? t with { Ordinal = null, FireAt = null } : i)] };

        Assert.True(Replayer.Replay(vague, Today(Gated)).SameDecisions);
    }

    [Fact]
    public async Task Replay_RecordedOutcomeAltered_OutcomeDiffersAtTheResultsPath()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).Gated);
        var altered = recorded.Outcome!.Output!.DeepClone();
        altered["outcome"] = "rejected";

        var report = Replayer.Replay(recorded with { Outcome = recorded.Outcome with { Output = altered } }, Today(Gated));

        var divergence = Diverged(report, GatedItems, DivergenceKind.OutcomeDiffers);
        Assert.Equal(new JsonDifference("outcome", "\"rejected\"", "\"completed\""), Assert.Single(divergence.Differences));
        Assert.Equal("completed: completed", report.OutcomeToday);
    }

    [Fact]
    public async Task Replay_HistoryWithoutActivityInputs_ComparesNamesOnlyAndSaysSo()
    {
        var recorded = RecordedRun.FromHistory((await ReplayRecordings.GetAsync(azurite)).GatedWithoutInputs);

        var report = Replayer.Replay(recorded, Today(Edit(Gated, "when: account.tier == 'strategic'", "when: account.tier == 'key'")));

        Assert.False(recorded.InputsRecorded);
        Assert.True(report.SameDecisions, report.ToText()); // the changed condition is in an input nobody kept
        Assert.Contains(report.Notes, n => n.Contains("only activity names and order were compared", StringComparison.Ordinal));
    }

    private static ReplayOptions Today(string workflow) => new() { CurrentDefinition = Snapshot(workflow) };

    private Task<ReplayReport> ReplayAsync(Func<ReplayRecordings, IList<HistoryEvent>> pick, ReplayOptions options) =>
        ReplayRecordings.ReplayAsync(azurite, pick, options);

    private static ReplayDivergence Diverged(ReplayReport report, int index, DivergenceKind kind)
    {
        var divergence = report.Divergence ?? throw new Xunit.Sdk.XunitException($"expected a divergence, got: {report.ToText()}");
        Assert.True(divergence.Index == index && divergence.Kind == kind, $"expected #{index} {kind}, got: {report.ToText()}");
        return divergence;
    }

    /// <summary>The history up to (not including) the event that would become recorded item number <paramref name="items"/>.</summary>
    private static List<HistoryEvent> CutAfter(IList<HistoryEvent> history, int items)
    {
        var seen = 0;
        return [.. history.TakeWhile(e => e is not (TaskCompletedEvent or TaskFailedEvent or TimerFiredEvent or EventRaisedEvent) || seen++ < items)];
    }

    private static string SwapDraftAndRoute(string workflow)
    {
        var draft = workflow[workflow.IndexOf("  - id: draft-followup", StringComparison.Ordinal)..workflow.IndexOf("  - id: route-by-tier", StringComparison.Ordinal)];
        var route = workflow[workflow.IndexOf("  - id: route-by-tier", StringComparison.Ordinal)..workflow.IndexOf("  - id: write-followup", StringComparison.Ordinal)];
        return Edit(workflow, draft + route, route + draft);
    }
}
