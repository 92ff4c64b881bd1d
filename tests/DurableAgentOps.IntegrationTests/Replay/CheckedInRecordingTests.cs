using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Replay;
using static DurableAgentOps.IntegrationTests.Replay.CheckedInRecordings;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// The guard for runs in flight (docs/VERSIONING.md): each checked-in recording of a real governed run replays against
/// today's orchestrator, with the run's own definition, to the same decisions — from its Durable history, and from its
/// evidence bundle once that verifies offline with the checked-in key. Files only, no services. A shipped workflow
/// without a recording fails here, and so does a recording altered in one call.
/// </summary>
public sealed class CheckedInRecordingTests
{
    private const string HowToRecord = "record it with ./build.sh record-histories and commit Replay/Recordings (docs/VERSIONING.md)";

    public static TheoryData<string> Shipped() => [.. ShippedWorkflows()];

    /// <summary>Every history in the folder: the shipped workflows' and any kept for runs started under older code.</summary>
    public static TheoryData<string> Histories() => [.. Files("*" + HistorySuffix)];

    public static TheoryData<string> EveryFile() => [.. Files("*")];

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Recording_ShippedWorkflow_IsACompletedRunThroughItsGate(string workflow)
    {
        var run = History(HistoryFile(workflow));

        Assert.Equal(workflow, run.Input?["workflow"]?.GetValue<string>());
        Assert.True(run.InputsRecorded, "recorded without activity inputs: replay could compare names only");
        Assert.Equal("completed: completed", run.Outcome?.Describe());
        var activities = run.Items.OfType<RecordedActivity>().Select(a => a.Name).ToList();
        Assert.Contains("PrepareChangeActivity", activities); // the gate opened…
        Assert.Contains("VerifyDecisionActivity", activities); // …and decisions were checked at it
        Assert.True(run.TimersSet is { Count: > 0 }, "the recording lists no timers set (recorded before they were kept): " + HowToRecord);
        Assert.Equal(run.InstanceId, Bundle(workflow).RunId); // the bundle is the same run's evidence
    }

    [Theory]
    [MemberData(nameof(Histories))]
    public void Replay_CheckedInHistory_SameDecisionsAsTodaysCode(string file)
    {
        var run = History(file);

        var report = ReplayWithItsOwnDefinition(run);

        Assert.True(report.SameDecisions, $"{file}: today's orchestrator would not continue this run as it ran.\n{report.ToText()}");
        Assert.True(report.ItemsReplayed == report.ItemsRecorded, $"{file}: items left over.\n{report.ToText()}");
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Verify_CheckedInBundle_IntactUnderTheCheckedInKey(string workflow)
    {
        var key = EvidencePublicKey.FromPem(Read(PublicKeyFile));

        var verification = EvidenceBundle.Verify(BundleText(workflow), key);

        Assert.True(verification.IsIntact, $"{EvidenceFile(workflow)}: {verification}");
    }

    [Theory]
    [MemberData(nameof(Shipped))]
    public void Replay_CheckedInBundlesLedger_SameDecisionsAsItsHistory(string workflow)
    {
        var fromHistory = ReplayWithItsOwnDefinition(History(HistoryFile(workflow)));

        var fromLedger = ReplayWithItsOwnDefinition(FromBundle(BundleText(workflow)));

        Assert.True(fromLedger.SameDecisions, $"{EvidenceFile(workflow)}:\n{fromLedger.ToText()}");
        Assert.True(fromHistory.Compared == fromLedger.Compared && fromHistory.OutcomeToday == fromLedger.OutcomeToday,
            $"from the history:\n{fromHistory.ToText()}from the ledger:\n{fromLedger.ToText()}");
    }

    [Theory]
    [MemberData(nameof(EveryFile))]
    public void Recording_CheckedInFile_HoldsNoCredentialAndNoRedactedValueInClear(string file)
    {
        var text = Read(file);
        var workflow = file.Split('.')[0];

        Assert.Empty(LeaksIn(workflow, text));
        if (RedactedValues.ContainsKey(workflow))
        {
            Assert.Contains("redacted:hmac-sha256:", text, StringComparison.Ordinal); // the run read them: their markers stand in their place
        }
    }

    [Fact]
    public void Replay_RecordingWithAnActivityRenamed_DivergesNamingBoth()
    {
        var (run, at) = CrmFollowupAt("RouteStepActivity");
        var altered = Alter(run, at, route => route with { Name = "RouteByTierActivity" });

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((at, DivergenceKind.ActivityNameDiffers), (divergence.Index, divergence.Kind));
        Assert.Equal(("RouteByTierActivity", "RouteStepActivity"), (divergence.Expected?.Name, divergence.Got?.Name));
        Assert.Contains($"diverges at #{at} (activity name differs)", report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_RecordingWithAnActivityInputChanged_DivergesNamingThePathAndBothValues()
    {
        var (run, at) = CrmFollowupAt("RouteStepActivity");
        var altered = Alter(run, at, route => route with { Input = With(route.Input!, i => i["step"]!["routes"]![0]!["when"] = "account.tier == 'key'") });

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((at, DivergenceKind.InputDiffers, "RouteStepActivity"), (divergence.Index, divergence.Kind, divergence.Got?.Name));
        var difference = Assert.Single(divergence.Differences);
        Assert.Equal("step.routes[0].when", difference.Path);
        Assert.Contains("step.routes[0].when:", report.ToText(), StringComparison.Ordinal);
        Assert.Contains("account.tier == 'key'", report.ToText(), StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_RecordingWithTheRouteDecisionChanged_DivergesWhereTheWriteIsPrepared()
    {
        var (run, at) = CrmFollowupAt("RouteStepActivity");
        var altered = Alter(run, at, route => route with { Result = With(route.Result!, r => r["output"]!["gate"] = "director-review") });

        var report = ReplayWithItsOwnDefinition(altered);

        // Today's code is handed the altered decision, so the change it prepares carries it where the run's did not.
        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((DivergenceKind.InputDiffers, "PrepareChangeActivity"), (divergence.Kind, divergence.Expected?.Name));
        Assert.Contains(divergence.Differences, d => d.Path.EndsWith("route.gate", StringComparison.Ordinal) && d.Got.Contains("director-review", StringComparison.Ordinal));
        Assert.Contains("PrepareChangeActivity", report.ToText(), StringComparison.Ordinal);
    }

    /// <summary>crm-followup's history kept from runs of the original logic (RunLogic.Original: an append after every step).</summary>
    private const string OriginalLogic = "crm-followup.logic0";

    [Fact]
    public void Replay_RecordingWithoutItsFinalEvidenceAppend_ExtraActivityToday()
    {
        var run = History(HistoryFile("crm-followup"));
        var altered = run with { Items = [.. run.Items.SkipLast(1)] };
        Assert.Equal(AppendEvidenceActivity.Name, Assert.IsType<RecordedActivity>(run.Items[^1]).Name);

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((altered.Items.Count, DivergenceKind.ExtraActivityToday, AppendEvidenceActivity.Name), (divergence.Index, divergence.Kind, divergence.Got?.Name));
    }

    [Fact]
    public void Replay_RecordingWithEveryEvidenceAppendDeleted_DivergesAtTheFirstAppend()
    {
        var (run, at) = CrmFollowupAt(AppendEvidenceActivity.Name);
        var altered = run with { Items = [.. run.Items.Where(i => i is not RecordedActivity { Name: AppendEvidenceActivity.Name })] };

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((at, DivergenceKind.ActivityNameDiffers), (divergence.Index, divergence.Kind));
        Assert.Equal(("ReadStepActivity", AppendEvidenceActivity.Name), (divergence.Expected?.Name, divergence.Got?.Name));
    }

    [Fact]
    public void Replay_RecordingWithTwoEvidenceAppendsAdded_DivergesWhereTheyWereAdded()
    {
        var (run, at) = CrmFollowupAt(AppendEvidenceActivity.Name);
        var altered = run with { Items = [.. run.Items.Take(at + 1), run.Items[at], run.Items[at], .. run.Items.Skip(at + 1)] };

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((at + 1, DivergenceKind.ActivityNameDiffers), (divergence.Index, divergence.Kind));
        Assert.Equal((AppendEvidenceActivity.Name, "ReadStepActivity"), (divergence.Expected?.Name, divergence.Got?.Name));
    }

    [Fact]
    public void Replay_RecordingWithAnEvidenceAppendMoved_DivergesWhereItWasMoved()
    {
        // The run appended its start after the first read; today's code appends it before (as often: a count misses it).
        var (run, at) = CrmFollowupAt(AppendEvidenceActivity.Name);
        var altered = Swapped(run, at, at + 1);

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((at, DivergenceKind.ActivityNameDiffers), (divergence.Index, divergence.Kind));
        Assert.Equal(("ReadStepActivity", AppendEvidenceActivity.Name), (divergence.Expected?.Name, divergence.Got?.Name));
    }

    [Fact]
    public void Replay_RecordingWithAnEvidenceAppendAtAnotherPlaceInTheLedger_InputDiffersAtItsFirstSeq()
    {
        // Today's code would have put one more record before this append: a run in flight's ledger would refuse the next.
        var (run, first) = CrmFollowupAt(AppendEvidenceActivity.Name);
        var at = run.Items.ToList().FindIndex(first + 1, i => i is RecordedActivity { Name: AppendEvidenceActivity.Name });
        var altered = Alter(run, at, append => append with { Input = With(append.Input!, i => i["firstSeq"] = i["firstSeq"]!.GetValue<long>() - 1) });

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((at, DivergenceKind.InputDiffers, AppendEvidenceActivity.Name), (divergence.Index, divergence.Kind, divergence.Got?.Name));
        Assert.Equal("firstSeq", Assert.Single(divergence.Differences).Path);
    }

    [Fact]
    public void Replay_RecordingWithAnEvidenceAppendsRecordsAltered_SameDecisions()
    {
        // What the records say is no decision and no step a run in flight takes: appends are compared as the engine does.
        var (run, at) = CrmFollowupAt(AppendEvidenceActivity.Name);
        var altered = Alter(run, at, append => append with { Input = With(append.Input!, i => i["entries"]![0]!["data"]!["environment"] = "elsewhere") });

        var report = ReplayWithItsOwnDefinition(altered);

        Assert.True(report.SameDecisions, report.ToText());
    }

    [Fact]
    public void Replay_CheckedInHistoryAsRecordedBeforeTimersSetWereKept_SameDecisionsAndSaysSo()
    {
        var run = History(HistoryFile("crm-followup"));
        var older = run with { TimersSet = null, Items = [.. run.Items.Select(i => i is RecordedActivity a ? a with { Id = null } : i)] };

        var report = ReplayWithItsOwnDefinition(older);

        Assert.True(report.SameDecisions, report.ToText());
        Assert.Equal(ReplayWithItsOwnDefinition(run).Compared, report.Compared);
        Assert.Contains(report.Notes, n => n.Contains("does not list the timers the run set", StringComparison.Ordinal));
    }

    [Fact]
    public void Replay_RecordingWithATimerTodaysCodeNoLongerSets_WaitDiffersWhereTodaysCodeDoesOtherWork()
    {
        // The run set a second timer at the gate before the first decision arrived (a deadline beside the reminder).
        var run = CrmFollowupWithTimers();
        var first = run.TimersSet![0];
        var altered = WithTimerSet(run, 1, new RecordedTimerSet(first.Id + 1, first.FireAt.AddDays(1), first.At));
        var verify = run.Items.ToList().FindIndex(i => i is RecordedActivity { Name: "VerifyDecisionActivity" });

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((verify, DivergenceKind.WaitDiffers), (divergence.Index, divergence.Kind));
        Assert.Equal(("timer", "VerifyDecisionActivity"), (divergence.Expected?.Kind, divergence.Got?.Name));
        Assert.StartsWith("the recorded run set a timer here", divergence.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_RecordingWithATimerSetForAnotherTime_WaitDiffersWhereTodaysCodeSetsIt()
    {
        var run = CrmFollowupWithTimers();
        var altered = run with { TimersSet = [run.TimersSet![0] with { FireAt = run.TimersSet[0].FireAt.AddHours(1) }, .. run.TimersSet.Skip(1)] };
        var firstEvent = run.Items.ToList().FindIndex(i => i is RecordedEvent);

        var report = ReplayWithItsOwnDefinition(altered);

        // Set while the gate waits for its first decision, which ends the wait: the timer never fires.
        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((firstEvent, DivergenceKind.WaitDiffers), (divergence.Index, divergence.Kind));
        Assert.Equal(("timer", "timer"), (divergence.Expected?.Kind, divergence.Got?.Kind));
        Assert.NotEqual(divergence.Expected?.Name, divergence.Got?.Name);
    }

    [Fact]
    public void Replay_RecordingWithoutATimerTodaysCodeSets_ActivityMissingTodayWhereItIsSet()
    {
        var run = CrmFollowupWithTimers();
        var first = run.TimersSet![0];
        var altered = Renumbered(run with { TimersSet = [.. run.TimersSet.Skip(1)] }, first.Id, -1, 1);
        var next = run.Items.ToList().FindIndex(i => i is RecordedActivity { Id: var id } && id == first.Id + 1);

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal((next, DivergenceKind.ActivityMissingToday, "timer"), (divergence.Index, divergence.Kind, divergence.Got?.Kind));
    }

    [Fact]
    public void Replay_RecordingWithOnlyTheResultAltered_DivergenceSaysTheResultDiffersNotTheOutcome()
    {
        var run = History(HistoryFile("crm-followup"));
        var altered = run with { Outcome = run.Outcome! with { Output = With(run.Outcome.Output!, o => o["steps"]![0]!["durationMs"] = 1) } };

        var report = ReplayWithItsOwnDefinition(altered);

        var divergence = Assert.IsType<ReplayDivergence>(report.Divergence);
        Assert.Equal(DivergenceKind.OutcomeDiffers, divergence.Kind);
        Assert.Equal("steps[0].durationMs", Assert.Single(divergence.Differences).Path);
        Assert.Equal("today's code ends the run with the recorded outcome (completed: completed), but another result: its digest differs", divergence.Summary);
        Assert.Contains("result sha256 ", divergence.Expected?.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("input sha256", report.ToText(), StringComparison.Ordinal);
    }

    private static IEnumerable<string> Files(string pattern) =>
        Directory.EnumerateFiles(OutputFolder, pattern).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal);

    private static string Read(string file)
    {
        var path = Path.Combine(OutputFolder, file);
        Assert.True(File.Exists(path), $"no {file}: {HowToRecord}");
        return File.ReadAllText(path);
    }

    private static RecordedRun History(string file) => RecordedRun.FromJson(Read(file));

    private static string BundleText(string workflow) => Read(EvidenceFile(workflow));

    private static EvidenceBundle Bundle(string workflow)
    {
        Assert.True(EvidenceBundle.TryParse(BundleText(workflow), out var bundle, out var error), error);
        return bundle;
    }

    /// <summary>The crm-followup recording and the index of its (only) call of <paramref name="activity"/>.</summary>
    /// <summary>
    /// The crm-followup recording and the index of its first call of <paramref name="activity"/>. Evidence appends are
    /// altered in the kept history of the original logic (<see cref="OriginalLogic"/>), which appends after every step: the
    /// guard must still catch an append dropped, added or moved there (runs of it may still be in flight).
    /// </summary>
    private static (RecordedRun Run, int Index) CrmFollowupAt(string activity)
    {
        var run = History(HistoryFile(activity == AppendEvidenceActivity.Name ? OriginalLogic : "crm-followup"));
        Assert.True(ReplayWithItsOwnDefinition(run).SameDecisions, "the unaltered recording replays as it ran");
        var index = run.Items.ToList().FindIndex(i => i is RecordedActivity a && a.Name == activity);
        Assert.True(index >= 0, $"the recording calls no {activity}");
        return (run, index);
    }

    /// <summary>The crm-followup recording, which lists the timers its run set (the gate's waits, none of which fired).</summary>
    private static RecordedRun CrmFollowupWithTimers()
    {
        var (run, _) = CrmFollowupAt("VerifyDecisionActivity");
        Assert.True(run.TimersSet is { Count: > 0 }, "the recording lists no timers set");
        return run;
    }

    /// <summary>One more timer set, the <paramref name="ordinal"/>-th: the work scheduled after it moves one place on.</summary>
    private static RecordedRun WithTimerSet(RecordedRun run, int ordinal, RecordedTimerSet timer)
    {
        var moved = Renumbered(run, timer.Id, 1, ordinal);
        return moved with { TimersSet = [.. moved.TimersSet!.Take(ordinal), timer, .. moved.TimersSet!.Skip(ordinal)] };
    }

    /// <summary>Sequence numbers from <paramref name="from"/> on, and timer ordinals from <paramref name="ordinal"/> on, moved by <paramref name="by"/>.</summary>
    private static RecordedRun Renumbered(RecordedRun run, int from, int by, int ordinal) => run with
    {
        Items = [.. run.Items.Select(i => i switch
        {
            RecordedActivity { Id: { } id } a when id >= from => a with { Id = id + by },
            RecordedTimer { Ordinal: { } n } t when n >= ordinal => t with { Ordinal = n + by },
            _ => i,
        })],
        TimersSet = [.. run.TimersSet!.Select(t => t.Id >= from ? t with { Id = t.Id + by } : t)],
    };

    /// <summary>Two calls in each other's place: in the items, and in the sequence of scheduled work (their ids).</summary>
    private static RecordedRun Swapped(RecordedRun run, int first, int second)
    {
        var (a, b) = ((RecordedActivity)run.Items[first], (RecordedActivity)run.Items[second]);
        return run with { Items = [.. run.Items.Select((item, i) => i == first ? b with { Id = a.Id } : i == second ? a with { Id = b.Id } : item)] };
    }

    private static RecordedRun Alter(RecordedRun run, int index, Func<RecordedActivity, RecordedActivity> change) =>
        run with { Items = [.. run.Items.Select((item, i) => i == index ? change((RecordedActivity)item) : item)] };

    private static JsonNode With(JsonNode node, Action<JsonNode> change)
    {
        var copy = node.DeepClone();
        change(copy);
        return copy;
    }
}
