using System.Diagnostics;
using System.Globalization;

namespace DurableAgentOps.Benchmarks;

/// <summary>What one batch measured.</summary>
internal sealed record BatchResult(
    string Side,
    string Label,
    int Runs,
    double WallSeconds,
    IReadOnlyList<double> RaiseToCompletedMs,
    int Failed,
    double DetectPollMeanMs,
    double CompletionPollMeanMs);

/// <summary>
/// Drives one batch on one side, open loop: every run is scheduled at once; a detector polls the running instances
/// and raises the approval the moment one is waiting; from that moment the run's own poller times it to completion.
/// </summary>
internal sealed class BatchRunner(TimeSpan detectInterval, TimeSpan completionInterval, TimeSpan timeout)
{
    // Creates in flight at once: enough to keep both engines busy, few enough not to queue inside the SDK's HTTP pool.
    private const int ScheduleParallelism = 16;

    public async Task<BatchResult> RunAsync(IBenchSide side, string label, int runs, bool showProgress)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var token = cancel.Token;
        // Labels are unique within a hub and end in a dash, so no batch's prefix matches another's ids.
        var prefix = label + "-";
        var ids = Enumerable.Range(0, runs).Select(i => prefix + i.ToString("D5", CultureInfo.InvariantCulture)).ToArray();
        var raised = new bool[runs];
        var raiseToCompleted = new double[runs];
        var completedAt = new long[runs];
        var failed = 0;
        var scheduled = 0;
        var completed = 0;
        var completionPolls = new PollClock();
        var detectPolls = new PollClock();
        var timings = new List<Task>();

        async Task TimeCompletionAsync(int index)
        {
            var raisedAt = Stopwatch.GetTimestamp();
            await side.RaiseApprovalAsync(ids[index], token);
            while (true)
            {
                var pollStart = Stopwatch.GetTimestamp();
                var snapshot = await side.GetAsync(ids[index], token);
                var seenAt = Stopwatch.GetTimestamp();
                completionPolls.Add(pollStart, seenAt);
                if (snapshot is { State: RunState.Completed or RunState.Failed } done)
                {
                    raiseToCompleted[index] = Stopwatch.GetElapsedTime(raisedAt, seenAt).TotalMilliseconds;
                    completedAt[index] = seenAt;
                    if (done.State == RunState.Failed)
                    {
                        Interlocked.Increment(ref failed);
                    }

                    Interlocked.Increment(ref completed);
                    return;
                }

                await DelayRestAsync(pollStart, completionInterval, token);
            }
        }

        var started = Stopwatch.GetTimestamp();
        using var progress = showProgress ? StartProgress(side.Name, label, runs, () => scheduled, () => timings.Count, () => completed, started) : null;

        // The detector runs from the first schedule, so no run waits on it longer than one poll.
        var detector = Task.Run(async () =>
        {
            var raisedCount = 0;
            while (raisedCount < runs)
            {
                var pollStart = Stopwatch.GetTimestamp();
                var running = await side.QueryRunningAsync(prefix, token);
                detectPolls.Add(pollStart, Stopwatch.GetTimestamp());
                foreach (var instance in running)
                {
                    if (!Shape.IsWaiting(instance.CustomStatus))
                    {
                        continue;
                    }

                    var index = int.Parse(instance.InstanceId.AsSpan(prefix.Length), CultureInfo.InvariantCulture);
                    if (!raised[index])
                    {
                        raised[index] = true;
                        raisedCount++;
                        lock (timings)
                        {
                            timings.Add(TimeCompletionAsync(index));
                        }
                    }
                }

                await DelayRestAsync(pollStart, detectInterval, token);
            }
        }, token);

        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = ScheduleParallelism, CancellationToken = token },
            async (id, ct) =>
            {
                await side.ScheduleAsync(id, ct);
                Interlocked.Increment(ref scheduled);
            });

        try
        {
            await detector;
            Task[] all;
            lock (timings)
            {
                all = [.. timings];
            }

            await Task.WhenAll(all);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"{side.Name} {label}: not done after {timeout.TotalSeconds:0} s ({Volatile.Read(ref scheduled)} scheduled, " +
                $"{timings.Count} raised, {Volatile.Read(ref completed)} completed). Raise --timeout, or look for errors above.");
        }

        var wall = Stopwatch.GetElapsedTime(started, completedAt.Max()).TotalSeconds;
        return new BatchResult(side.Name, label, runs, wall, raiseToCompleted, failed, detectPolls.MeanMs, completionPolls.MeanMs);
    }

    /// <summary>Waits what is left of one poll interval, so the interval is from poll start to poll start.</summary>
    private static Task DelayRestAsync(long pollStart, TimeSpan interval, CancellationToken token)
    {
        var rest = interval - Stopwatch.GetElapsedTime(pollStart);
        return rest > TimeSpan.Zero ? Task.Delay(rest, token) : Task.CompletedTask;
    }

    private static Timer StartProgress(string side, string label, int runs, Func<int> scheduled, Func<int> raised, Func<int> completed, long started) =>
        new(_ => Console.WriteLine(
                $"  {side,-6} {label,-8} {Stopwatch.GetElapsedTime(started).TotalSeconds,6:0.0} s  " +
                $"scheduled {scheduled(),4}/{runs}  raised {raised(),4}  completed {completed(),4}"),
            null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

    /// <summary>Mean request time of a poll: when it exceeds the interval, the effective interval is this instead.</summary>
    private sealed class PollClock
    {
        private long count;
        private long ticks;

        public double MeanMs => count == 0 ? 0 : TimeSpan.FromTicks(ticks / count).TotalMilliseconds;

        public void Add(long start, long end)
        {
            Interlocked.Increment(ref count);
            Interlocked.Add(ref ticks, Stopwatch.GetElapsedTime(start, end).Ticks);
        }
    }
}
