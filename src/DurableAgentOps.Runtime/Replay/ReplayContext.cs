using System.Globalization;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Evidence;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CoreTaskFailedException = DurableTask.Core.Exceptions.TaskFailedException;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// The context replay runs today's orchestrator code with: every activity result, timer and event comes from the
/// recording and nothing leaves the process. Each piece of work today's code schedules (an activity call, a timer) is
/// paired with the recorded run's in order when it is made (<see cref="RecordedSchedule"/>) and compared: its kind and
/// name, as the engine checks, and the input's digest or the timer's fire time, the decisions it carries. The replayer
/// then hands over the recording item by item (<see cref="DeliverNext"/>), each completing what today's code waits for,
/// or recording the first divergence. After a divergence nothing completes: the orchestrator stays parked at its await
/// (no thread waits on it). Evidence appends are compared like any call where the recording holds them (a history);
/// where it does not (the ledger), today's appends are answered at once, as the activity would answer.
/// </summary>
internal sealed class ReplayContext : TaskOrchestrationContext
{
    // A recorded and a computed fire time are one time within this; storage keeps ticks, this absorbs rounding.
    private static readonly TimeSpan SameTime = TimeSpan.FromMilliseconds(1);

    // The SDK splits longer timers into legs this long (DurableTaskWorkerOptions' default, which the engine keeps).
    private static readonly TimeSpan LongestTimer = new DurableTaskWorkerOptions().MaximumTimerInterval;

    private readonly RecordedRun run;
    private readonly object? input;
    private readonly (string Activity, JsonNode Result)? substitute;
    private readonly int maxDifferences;
    private readonly RecordedSchedule schedule;
    private readonly Dictionary<int, PendingActivity> pending = [];
    private readonly List<PendingTimer> timers = [];
    private readonly EventInbox inbox = new(ReplayJson.Converter);
    private int paired; // today's work paired with the schedule so far: its position there
    private int actionId; // today's work as the engine numbers it (each activity attempt, each timer)
    private DateTime now;

    public ReplayContext(RecordedRun run, string name, object? input, (string Activity, JsonNode Result)? substitute, int maxDifferences)
    {
        this.run = run;
        this.input = input;
        this.substitute = substitute;
        this.maxDifferences = maxDifferences;
        Name = new TaskName(name);
        now = ReplayJson.Utc(run.StartedAt);
        schedule = new RecordedSchedule(run);
    }

    /// <summary>Today's evidence appends (one per call, retries not counted): compared, or answered where the recording has none.</summary>
    public int AppendCalls { get; private set; }

    /// <summary>Whether today's timers were paired with the timers the run set as they were set (else only as they fired).</summary>
    public bool TimersSetCompared => schedule.Sequenced;

    /// <summary>How many recorded items have been handed over.</summary>
    public int Cursor { get; private set; }

    public ReplayDivergence? Divergence { get; private set; }

    public object? CustomStatus { get; private set; }

    public List<string> Notes { get; } = [];

    public IEnumerable<RecordedEvent> UnclaimedEvents => inbox.Unclaimed;

    public override TaskName Name { get; }

    public override string InstanceId => run.InstanceId;

    public override ParentOrchestrationInstance? Parent => null;

    public override DateTime CurrentUtcDateTime => now;

    public override bool IsReplaying => true;

    protected override ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;

    public override T? GetInput<T>() where T : default => input is T typed ? typed : default;

    /// <summary>The evidence append: the ledger records what it appended, not each append, so its recordings hold none.</summary>
    public static bool IsAppend(string activity) => string.Equals(activity, AppendEvidenceActivity.Name, StringComparison.OrdinalIgnoreCase);

    public override async Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var inputJson = ReplayJson.ToNode(input);
        if (name.Name == Workflows.AdmissionActivity.Name && inputJson is JsonObject admission && admission.ContainsKey(Shared.ICarriesEvidence.Property))
        {
            AppendCalls++; // a place given back as the run parks carries the append the ledger's path makes on its own
        }

        if (!IsAppend(name.Name))
        {
            inputJson = ReplayJson.WithoutCarriedEvidence(inputJson);
        }

        if (IsAppend(name.Name))
        {
            AppendCalls++;
            if (!run.AppendsRecorded)
            {
                actionId++;
                return ReplayJson.Converter.Deserialize(AppendResult(inputJson).ToJsonString(), typeof(TResult)) is TResult stub ? stub : default!;
            }
        }

        var firstAttempt = now;
        for (var attempt = 1; ; attempt++)
        {
            var taskId = actionId++;
            var recorded = await ScheduleAsync(name.Name, inputJson);
            if (recorded.Failure is not { } failure)
            {
                return ReplayJson.Converter.Deserialize(recorded.Result?.ToJsonString(), typeof(TResult)) is TResult result ? result : default!;
            }

            if (!await RetryAsync(options, attempt, firstAttempt, failure))
            {
                throw new TaskFailedException(name.Name, taskId, failure.ToTaskFailureDetails());
            }
        }
    }

    public override async Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        // As the SDK does: a timer longer than the provider takes is a chain of legs, each its own timer in the history.
        var due = ReplayJson.Utc(fireAt);
        while (due - now > LongestTimer && !cancellationToken.IsCancellationRequested)
        {
            await Leg(now + LongestTimer, cancellationToken);
        }

        await Leg(due, cancellationToken);
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default) =>
        inbox.Wait<T>(eventName, cancellationToken);

    public override void SetCustomStatus(object? customStatus) => CustomStatus = customStatus;

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
    {
        Unsupported($"today's code calls sub-orchestration {orchestratorName.Name}");
        return new TaskCompletionSource<TResult>().Task;
    }

    /// <summary>
    /// A run wakes queued runs as it parks (admission): nothing leaves the process in replay, and the history's
    /// sent events are not part of the run's own decisions, so there is nothing to compare.
    /// </summary>
    public override void SendEvent(string instanceId, string eventName, object payload)
    {
    }

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        Unsupported("today's code continues as new");

    public override Guid NewGuid()
    {
        // The engine derives its GUIDs from the instance, the time and a counter; replay does not imitate that.
        Unsupported("today's code asks for a new GUID");
        return Guid.Empty;
    }

    /// <summary>Hands today's code the next recorded item: an activity result, an event or a timer firing.</summary>
    public void DeliverNext()
    {
        var index = Cursor++;
        var item = run.Items[index];
        now = ReplayJson.Utc(item.At);
        switch (item)
        {
            case RecordedActivity activity:
                if (Reached(index, schedule.PositionOfItem(index)))
                {
                    DeliverActivity(index, activity);
                }

                break;
            case RecordedEvent received:
                inbox.Deliver(received);
                break;
            case RecordedTimer fired:
                if (Reached(index, schedule.PositionOfTimer(fired.Ordinal)))
                {
                    DeliverTimer(index, fired);
                }

                break;
        }
    }

    /// <summary>
    /// Once today's code has finished, or waits for what the recording cannot give: the first piece of the recorded
    /// run's work it did not schedule becomes the divergence (false when it scheduled all of it).
    /// </summary>
    public bool SkippedRecordedWork(string todayState, ReplayCall today)
    {
        if (schedule.At(paired) is not { } missing)
        {
            return false;
        }

        NotScheduled(missing, Cursor, todayState, today);
        return true;
    }

    /// <summary>Records the first divergence; later ones are consequences and are not kept.</summary>
    public void Diverge(int index, DivergenceKind kind, string summary, ReplayCall? expected, ReplayCall? got, (JsonNode? Expected, JsonNode? Got)? values = null)
    {
        if (Divergence is not null)
        {
            return;
        }

        var differences = values is { } pair ? JsonDiff.Between(pair.Expected, pair.Got) : [];
        Divergence = new ReplayDivergence(index, kind, summary, expected, got, [.. differences.Take(maxDifferences)], Math.Max(0, differences.Count - maxDifferences));
    }

    public ReplayCall Call(RecordedActivity activity) =>
        new("activity", activity.Name, run.InputsRecorded ? activity.ExpectedDigest : null, StepOf(activity.Input) ?? activity.Step);

    public static ReplayCall TimerCall(DateTime fireAt) => new("timer", $"set for {Time(ReplayJson.Utc(fireAt))}");

    /// <summary>What today's code waits for, in words: "waits for event 'approval' or its timer at …".</summary>
    public string Waiting()
    {
        var parts = Awaited();
        return parts.Count == 0 ? "waits for nothing the recording can give" : $"waits for {string.Join(" or ", parts)}";
    }

    public ReplayCall WaitingCall()
    {
        var parts = Awaited();
        return new ReplayCall("waiting", parts.Count == 0 ? "nothing" : string.Join(" or ", parts));
    }

    public static string Time(DateTime time) => time.ToString("O", CultureInfo.InvariantCulture);

    private List<string> Awaited() =>
    [
        .. inbox.Awaited.Select(name => $"event '{name}'"),
        .. timers.Where(t => t.Live).Select(t => $"its timer at {Time(t.FireAt)}"),
        .. pending.Values.Select(p => $"the result of {p.Recorded.Name}"),
    ];

    private Task<RecordedActivity> ScheduleAsync(string name, JsonNode? inputJson)
    {
        var never = new TaskCompletionSource<RecordedActivity>();
        var position = paired++;
        if (Divergence is not null)
        {
            return never.Task;
        }

        var got = new ReplayCall("activity", name, ReplayJson.Digest(inputJson), StepOf(inputJson));
        var work = schedule.At(position);
        if (work is null)
        {
            var finished = run.Outcome is not null;
            Diverge(run.Items.Count, finished ? DivergenceKind.ExtraActivityToday : DivergenceKind.RecordingEnds,
                finished
                    ? $"today's code calls {Describe(got)} after everything the recorded run called (it finished: {run.Outcome!.Describe()})"
                    : $"the recording ends (the run had not finished, or its history was cut short) where today's code calls {Describe(got)}",
                new ReplayCall("end", "of the recording"), got);
            return never.Task;
        }

        if (work.Activity is not { } recorded)
        {
            Diverge(Cursor, DivergenceKind.WaitDiffers, $"the recorded run set a timer here ({TimerCall(work.Timer!.FireAt).Name}); today's code calls {Describe(got)} instead",
                TimerCall(work.Timer.FireAt), got);
            return never.Task;
        }

        var index = work.Item;
        var expected = Call(recorded);

        // Names ignore case, as in the engine's check (TaskName). The engine checks no input; inputs carry decisions, so replay does.
        if (!string.Equals(recorded.Name, name, StringComparison.OrdinalIgnoreCase))
        {
            Diverge(index, DivergenceKind.ActivityNameDiffers, $"today's code calls {Describe(got)} where the recording calls {Describe(expected)}", expected, got);
            return never.Task;
        }

        if (run.InputsRecorded && (IsAppend(name) ? LedgerPlaceDiffers(index, recorded, expected, got, inputJson) : InputDiffers(index, recorded, expected, got, inputJson)))
        {
            return never.Task;
        }

        var call = new PendingActivity(recorded, new TaskCompletionSource<RecordedActivity>());
        pending[index] = call;
        return call.Completion.Task;
    }

    private bool InputDiffers(int index, RecordedActivity recorded, ReplayCall expected, ReplayCall got, JsonNode? inputJson)
    {
        if (string.Equals(expected.Digest, got.Digest, StringComparison.Ordinal))
        {
            return false;
        }

        if (recorded.Input is null && recorded.InputDigest is not null)
        {
            Diverge(index, DivergenceKind.InputDiffers,
                $"{Describe(got)}: today's input is not the recorded one (digests differ; the recording keeps only the input's digest, so no JSON paths can be named)",
                expected, got);
        }
        else
        {
            Diverge(index, DivergenceKind.InputDiffers, $"{Describe(got)}: today's input is not the recorded one", expected, got, (recorded.Input, inputJson));
        }

        return true;
    }

    /// <summary>
    /// An evidence append is compared by where its records go in the run's ledger (the first sequence number, and how
    /// many), the part of its input a run in flight depends on: the ledger takes a batch only right after the records it
    /// holds. The records themselves are not compared: they record decisions compared where they are made, carry the
    /// loaded definition (today's, where it replaces the run's), and a change to them breaks no run in flight.
    /// </summary>
    private bool LedgerPlaceDiffers(int index, RecordedActivity recorded, ReplayCall expected, ReplayCall got, JsonNode? inputJson)
    {
        if (recorded.Input is null || JsonNode.DeepEquals(LedgerPlace(recorded.Input), LedgerPlace(inputJson)))
        {
            return false;
        }

        Diverge(index, DivergenceKind.InputDiffers,
            $"{Describe(got)}: today's append puts its records at another place in the run's ledger (the ledger would refuse a run in flight's next append)",
            expected, got, (LedgerPlace(recorded.Input), LedgerPlace(inputJson)));
        return true;
    }

    private static JsonObject LedgerPlace(JsonNode? batch) => new()
    {
        ["firstSeq"] = batch?["firstSeq"]?.DeepClone(),
        ["entries"] = new JsonObject { ["count"] = (batch?["entries"] as JsonArray)?.Count },
    };

    /// <summary>What the evidence append returns: the sequence number of the batch's last record.</summary>
    private static JsonNode AppendResult(JsonNode? batch) =>
        JsonValue.Create(batch is JsonObject b && b["firstSeq"] is JsonValue first && first.TryGetValue<long>(out var seq)
            ? seq + ((b["entries"] as JsonArray)?.Count ?? 0) - 1
            : 0L);

    private void DeliverActivity(int index, RecordedActivity activity)
    {
        if (!pending.Remove(index, out var call))
        {
            Diverge(index, DivergenceKind.ActivityMissingToday, $"the recording calls {Describe(Call(activity))} here; today's code {Waiting()}", Call(activity), WaitingCall());
            return;
        }

        call.Completion.SetResult(Substituted(activity));
    }

    /// <summary>Today's deployed definition in place of the one the run loaded (a load that failed stays as recorded).</summary>
    private RecordedActivity Substituted(RecordedActivity activity)
    {
        if (substitute is not { } swap || activity.Name != swap.Activity)
        {
            return activity;
        }

        if (activity.Failure is not null)
        {
            Notes.Add($"the run's definition did not load ({activity.Failure.Message}); it was replayed as recorded");
            return activity;
        }

        return activity with { Result = swap.Result.DeepClone() };
    }

    private void DeliverTimer(int index, RecordedTimer fired)
    {
        var timer = fired switch
        {
            { Ordinal: { } n } => n < timers.Count ? timers[n] : null,
            { FireAt: { } at } => timers.FirstOrDefault(t => t.Live && Same(t.FireAt, at)) ?? timers.FirstOrDefault(t => Same(t.FireAt, at)),
            _ => timers.Where(t => t.Live).MinBy(t => t.FireAt), // timers fire in order: the recorded one is today's earliest
        };
        var expected = new ReplayCall("timer", fired.FireAt is { } set ? $"set for {Time(ReplayJson.Utc(set))}" : $"fired at {Time(now)}");
        if (timer is null)
        {
            Diverge(index, DivergenceKind.WaitDiffers, $"a timer of the recorded run fires here ({expected.Name}) that today's code never set; today's code {Waiting()}",
                expected, WaitingCall());
            return;
        }

        if (!timer.Live)
        {
            return; // abandoned when its wait ended by an event (as the recorded run's was): its firing decides nothing
        }

        if (fired.FireAt is { } recordedAt && !Same(timer.FireAt, recordedAt))
        {
            Diverge(index, DivergenceKind.WaitDiffers,
                $"the recorded run's timer was set for {Time(ReplayJson.Utc(recordedAt))}; today's code sets it for {Time(timer.FireAt)}",
                expected, new ReplayCall("timer", $"set for {Time(timer.FireAt)}"));
            return;
        }

        timer.Fire();
    }

    /// <summary>One durable timer, as the framework's context sets it (the SDK's longer timers are several).</summary>
    private Task Leg(DateTime fireAt, CancellationToken cancellationToken)
    {
        actionId++;
        var timer = new PendingTimer(fireAt);
        timers.Add(timer);
        if (schedule.Sequenced)
        {
            PairTimer(fireAt);
        }

        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(timer.Abandon);
        }

        return timer.Task;
    }

    /// <summary>
    /// A timer today's code sets, against the recorded run's work at its place: a timer set for the same time. The
    /// engine checks only that a timer stands there; the time is compared too, being the wait the code decided on.
    /// </summary>
    private void PairTimer(DateTime fireAt)
    {
        var position = paired++;
        var got = TimerCall(fireAt);

        // Past the recorded work (null) today's code only waits on the timer: the end of the replay says what it waits for.
        switch (Divergence is null ? schedule.At(position) : null)
        {
            case { Activity: { } recorded, Item: var index }:
                Diverge(index, DivergenceKind.ActivityMissingToday, $"the recording calls {Describe(Call(recorded))} here; today's code sets a timer ({got.Name}) instead",
                    Call(recorded), got);
                break;
            case { Timer: { } set } when !Same(set.FireAt, fireAt):
                Diverge(Cursor, DivergenceKind.WaitDiffers,
                    $"the recorded run set this timer for {Time(ReplayJson.Utc(set.FireAt))}; today's code sets it for {Time(ReplayJson.Utc(fireAt))}", TimerCall(set.FireAt), got);
                break;
        }
    }

    /// <summary>
    /// Whether today's code has reached the recorded work at <paramref name="position"/> (the call whose result, or the
    /// timer whose firing, item <paramref name="index"/> is); if not, the first work it skipped is the divergence.
    /// </summary>
    private bool Reached(int index, int? position)
    {
        if (!schedule.Sequenced || position is not { } p || paired > p)
        {
            return true;
        }

        NotScheduled(schedule.At(paired)!, index, Waiting(), WaitingCall());
        return false;
    }

    private void NotScheduled(ScheduledWork missing, int index, string todayState, ReplayCall today)
    {
        if (missing.Activity is { } activity)
        {
            Diverge(missing.Item, DivergenceKind.ActivityMissingToday, $"the recording calls {Describe(Call(activity))} here; today's code {todayState}",
                Call(activity), today);
        }
        else
        {
            var set = TimerCall(missing.Timer!.FireAt);
            Diverge(index, DivergenceKind.WaitDiffers, $"the recorded run set a timer here ({set.Name}) that today's code does not set; today's code {todayState}",
                set, today);
        }
    }

    /// <summary>
    /// The engine's retry (the Durable Task Framework's, for a retry policy): a backoff timer between attempts, and after
    /// the last failed attempt one more timer due at once (the framework keeps it for old histories).
    /// </summary>
    private async Task<bool> RetryAsync(TaskOptions? options, int attempt, DateTime firstAttempt, RecordedFailure failure)
    {
        if (failure.NonRetriable)
        {
            return false;
        }

        if (options?.Retry?.Policy is { } policy)
        {
            if (attempt >= policy.MaxNumberOfAttempts)
            {
                await Leg(now, CancellationToken.None);
                return false;
            }

            var delay = Backoff(policy, attempt, firstAttempt, failure);
            if (delay <= TimeSpan.Zero)
            {
                return false;
            }

            await Leg(now + delay, CancellationToken.None); // the framework's own timer: never split into legs
            return true;
        }

        return options?.Retry?.Handler is { } handler
            && await handler(new RetryContext(this, attempt, failure.ToTaskFailureDetails(), now - firstAttempt, CancellationToken.None));
    }

    private TimeSpan Backoff(RetryPolicy policy, int attempt, DateTime firstAttempt, RecordedFailure failure)
    {
        try
        {
            if (!policy.Handle(new CoreTaskFailedException(failure.Message) { FailureDetails = failure.ToCoreFailureDetails() }))
            {
                return TimeSpan.Zero;
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NullReferenceException)
        {
            return TimeSpan.Zero; // the framework treats a throwing filter as "do not retry"
        }

        var timeout = policy.RetryTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : policy.RetryTimeout;
        if (timeout != TimeSpan.MaxValue && now >= firstAttempt + timeout)
        {
            return TimeSpan.Zero;
        }

        var delay = policy.FirstRetryInterval.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, attempt - 1);
        var longest = policy.MaxRetryInterval == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : policy.MaxRetryInterval;
        return delay < longest.TotalMilliseconds ? TimeSpan.FromMilliseconds(delay) : longest;
    }

    private void Unsupported(string what) => Diverge(Cursor, DivergenceKind.Unsupported, $"{what}; replay cannot stub that", null, null);

    private static bool Same(DateTime a, DateTime b) => (ReplayJson.Utc(a) - ReplayJson.Utc(b)).Duration() <= SameTime;

    private static string Describe(ReplayCall call) => call.Step is null ? call.Name : $"{call.Name} (step {call.Step})";

    /// <summary>The step an activity input is for: a step invocation's <c>step.id</c>, or a request's <c>stepId</c>.</summary>
    internal static string? StepOf(JsonNode? input) => input is JsonObject body
        ? (body["step"] as JsonObject)?["id"] is JsonValue id && id.TryGetValue<string>(out var stepId) ? stepId
        : body["stepId"] is JsonValue other && other.TryGetValue<string>(out var requestStep) ? requestStep : null
        : null;
}
