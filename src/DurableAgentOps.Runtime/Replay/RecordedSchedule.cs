namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// The work the recorded run scheduled, in order, to pair today's code's work with. From a history it is every activity
/// call (each attempt, evidence appends included) and every timer set, by the sequence number the engine gives them:
/// today's n-th piece of work pairs with the run's n-th, as the engine checks on replay (kind and name; this replay also
/// compares inputs and fire times). A recording without sequence numbers or timers set (the ledger, an older
/// recording) gives its activity calls in the order their results arrived; timers then pair only as they fire.
/// </summary>
internal sealed class RecordedSchedule
{
    private readonly List<ScheduledWork> work;
    private readonly Dictionary<int, int> positionOfItem = [];
    private readonly Dictionary<int, int> positionOfTimer = [];

    public RecordedSchedule(RecordedRun run)
    {
        var calls = run.Items.Select((item, index) => (Activity: item as RecordedActivity, Index: index)).Where(x => x.Activity is not null)
            .Select(x => (Number: x.Activity!.Id, Work: new ScheduledWork(x.Activity, x.Index, null, -1))).ToList();
        Sequenced = run.TimersSet is not null && calls.All(x => x.Number is not null);
        work = Sequenced
            ? [.. calls.Concat(run.TimersSet!.Select((t, ordinal) => (Number: (int?)t.Id, Work: new ScheduledWork(null, -1, t, ordinal))))
                .OrderBy(x => x.Number) // stable: a recording altered to repeat a call keeps the order of its items
                .Select(x => x.Work)]
            : [.. calls.Select(x => x.Work)];
        for (var position = 0; position < work.Count; position++)
        {
            if (work[position].Activity is not null)
            {
                positionOfItem[work[position].Item] = position;
            }
            else
            {
                positionOfTimer[work[position].TimerOrdinal] = position;
            }
        }
    }

    /// <summary>True when timers set are part of the sequence (a history's); false when only activity calls are.</summary>
    public bool Sequenced { get; }

    public ScheduledWork? At(int position) => position < work.Count ? work[position] : null;

    /// <summary>Where the activity call whose result is item <paramref name="item"/> stands in the sequence.</summary>
    public int PositionOfItem(int item) => positionOfItem[item];

    /// <summary>Where the <paramref name="ordinal"/>-th timer set stands in the sequence (null when not known).</summary>
    public int? PositionOfTimer(int? ordinal) => ordinal is { } n && positionOfTimer.TryGetValue(n, out var position) ? position : null;
}
