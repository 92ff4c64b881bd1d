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
/// recording and nothing leaves the process. An activity call is compared with the recorded one when it is made (name
/// and input digest); the replayer then hands over the recording item by item (<see cref="DeliverNext"/>), each
/// completing what today's code waits for, or recording the first divergence. After a divergence nothing completes:
/// the orchestrator stays parked at its await (no thread waits on it). Bookkeeping activities (the evidence append,
/// <see cref="IsBookkeeping"/>) are no decisions: today's calls to them are answered at once and not compared, and a
/// recording's calls to them are passed over, so a run replays the same from its history and from its ledger.
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
    private readonly List<int> recordedCalls;
    private readonly Dictionary<int, PendingActivity> pending = [];
    private readonly List<PendingTimer> timers = [];
    private readonly EventInbox inbox = new(ReplayJson.Converter);
    private int calls;
    private int actionId;
    private DateTime now;

    public ReplayContext(RecordedRun run, string name, object? input, (string Activity, JsonNode Result)? substitute, int maxDifferences)
    {
        this.run = run;
        this.input = input;
        this.substitute = substitute;
        this.maxDifferences = maxDifferences;
        Name = new TaskName(name);
        now = ReplayJson.Utc(run.StartedAt);
        recordedCalls = [.. run.Items.Select((item, index) => (item, index)).Where(x => x.item is RecordedActivity a && !IsBookkeeping(a.Name)).Select(x => x.index)];
    }

    /// <summary>Today's calls of bookkeeping activities, answered by the replay itself.</summary>
    public int BookkeepingCalls { get; private set; }

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

    /// <summary>
    /// The evidence append records the decisions replay compares (and, with today's definition in place of the run's,
    /// its input differs from the very first append, hiding the decision that changed); the ledger does not record it.
    /// </summary>
    public static bool IsBookkeeping(string activity) => string.Equals(activity, AppendEvidenceActivity.Name, StringComparison.Ordinal);

    public override async Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var inputJson = ReplayJson.ToNode(input);
        if (IsBookkeeping(name.Name))
        {
            BookkeepingCalls++;
            actionId++;
            return ReplayJson.Converter.Deserialize(BookkeepingResult(inputJson).ToJsonString(), typeof(TResult)) is TResult stub ? stub : default!;
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

    public override void SendEvent(string instanceId, string eventName, object payload) =>
        Unsupported($"today's code sends event '{eventName}' to {instanceId}");

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
        if (item is RecordedActivity { Name: var skipped } && IsBookkeeping(skipped))
        {
            return; // answered when today's code called it (and the orchestrator reads no time before its next await)
        }

        now = ReplayJson.Utc(item.At);
        switch (item)
        {
            case RecordedActivity activity:
                DeliverActivity(index, activity);
                break;
            case RecordedEvent received:
                inbox.Deliver(received);
                break;
            case RecordedTimer fired:
                DeliverTimer(index, fired);
                break;
        }
    }

    /// <summary>Passes over the recording's bookkeeping calls that follow (the last appends after today's code finished).</summary>
    public void SkipBookkeeping()
    {
        while (Cursor < run.Items.Count && run.Items[Cursor] is RecordedActivity { Name: var name } && IsBookkeeping(name))
        {
            Cursor++;
        }
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
        if (Divergence is not null)
        {
            return never.Task;
        }

        var got = new ReplayCall("activity", name, ReplayJson.Digest(inputJson), StepOf(inputJson));
        var k = calls++;
        if (k >= recordedCalls.Count)
        {
            var finished = run.Outcome is not null;
            Diverge(run.Items.Count, finished ? DivergenceKind.ExtraActivityToday : DivergenceKind.RecordingEnds,
                finished
                    ? $"today's code calls {Describe(got)} after everything the recorded run called (it finished: {run.Outcome!.Describe()})"
                    : $"the recording ends (the run had not finished, or its history was cut short) where today's code calls {Describe(got)}",
                new ReplayCall("end", "of the recording"), got);
            return never.Task;
        }

        var index = recordedCalls[k];
        var recorded = (RecordedActivity)run.Items[index];
        var expected = Call(recorded);
        if (!string.Equals(recorded.Name, name, StringComparison.Ordinal))
        {
            Diverge(index, DivergenceKind.ActivityNameDiffers, $"today's code calls {Describe(got)} where the recording calls {Describe(expected)}", expected, got);
            return never.Task;
        }

        if (run.InputsRecorded && !string.Equals(expected.Digest, got.Digest, StringComparison.Ordinal))
        {
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

            return never.Task;
        }

        var call = new PendingActivity(recorded, new TaskCompletionSource<RecordedActivity>());
        pending[index] = call;
        return call.Completion.Task;
    }

    /// <summary>What the evidence append returns: the sequence number of the batch's last record.</summary>
    private static JsonNode BookkeepingResult(JsonNode? batch) =>
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

    private Task Leg(DateTime fireAt, CancellationToken cancellationToken)
    {
        actionId++;
        var timer = new PendingTimer(fireAt);
        timers.Add(timer);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(timer.Abandon);
        }

        return timer.Task;
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
                await CreateTimer(now, CancellationToken.None);
                return false;
            }

            var delay = Backoff(policy, attempt, firstAttempt, failure);
            if (delay <= TimeSpan.Zero)
            {
                return false;
            }

            await CreateTimer(now + delay, CancellationToken.None);
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
