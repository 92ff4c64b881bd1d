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
    IReadOnlyList<double> RaiseToStampedCompletionMs,
    int Failed,
    double PollRequestMeanMs,
    double PollPeriodMeanMs,
    double ProcessCpuMsPerRun);

/// <summary>
/// Drives one batch on one side, open loop: every run is scheduled at once. One poller lists the batch's running
/// instances every <c>pollInterval</c>: an instance that shows the waiting status gets its approval raised at once;
/// a raised instance that has left the running set has finished, and its raise->completed time is taken there.
/// </summary>
/// <remarks>
/// One list query per poll, rather than a read per instance, keeps the measuring load on the emulator small and
/// the same for both sides: per-instance reads every 10-20 ms for a hundred waiting runs would be thousands of
/// requests a second, and would measure the emulator's queueing instead of the engines.
/// </remarks>
internal sealed class BatchRunner(TimeSpan pollInterval, TimeSpan timeout)
{
    // Creates in flight at once: enough to keep both engines busy, few enough not to queue in the HTTP pool.
    private const int ScheduleParallelism = 16;

    public async Task<BatchResult> RunAsync(IBenchSide side, string label, int runs, bool showProgress)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var token = cancel.Token;
        // Labels are unique within a hub, and the dash keeps "m1-" from matching "m10-...".
        var prefix = label + "-";
        var ids = Enumerable.Range(0, runs).Select(i => prefix + i.ToString("D5", CultureInfo.InvariantCulture)).ToArray();
        var raisedAt = new long[runs];
        var raisedAtUtc = new DateTime[runs];
        var doneAt = new long[runs];
        var raises = new List<Task>(runs);
        var scheduled = 0;
        var raised = 0;
        var done = 0;
        var polls = 0;
        var pollTicks = 0L;

        // CPU time of this process per run: unlike wall time, other load on the machine hardly moves it.
        var cpuAtStart = Environment.CpuUsage.TotalTime;
        var started = Stopwatch.GetTimestamp();
        using var progress = showProgress
            ? new Timer(_ => Console.WriteLine(
                    $"  {side.Name,-6} {label,-5} {Stopwatch.GetElapsedTime(started).TotalSeconds,6:0.0} s  " +
                    $"scheduled {Volatile.Read(ref scheduled),4}/{runs}  raised {Volatile.Read(ref raised),4}  completed {Volatile.Read(ref done),4}"),
                null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2))
            : null;

        // The poller runs from the first schedule, so no run waits on it longer than one poll.
        var poller = Task.Run(async () =>
        {
            var running = new HashSet<int>();
            var seenRunning = new bool[runs];
            while (Volatile.Read(ref done) < runs)
            {
                // A raise that failed leaves its run waiting for good: stop now, with its reason, not at the timeout.
                if (raises.Find(raise => raise.IsFaulted) is { } failed)
                {
                    await failed;
                }

                var pollStart = Stopwatch.GetTimestamp();
                var snapshots = await side.QueryRunningAsync(prefix, token);
                var seenAt = Stopwatch.GetTimestamp();
                polls++;
                pollTicks += Stopwatch.GetElapsedTime(pollStart, seenAt).Ticks;
                running.Clear();
                foreach (var instance in snapshots)
                {
                    var index = IndexOf(instance.InstanceId, prefix);
                    running.Add(index);
                    seenRunning[index] = true;
                    if (raisedAt[index] == 0 && Shape.IsWaiting(instance.CustomStatus))
                    {
                        raisedAtUtc[index] = DateTime.UtcNow;
                        raisedAt[index] = Stopwatch.GetTimestamp();
                        raises.Add(side.RaiseApprovalAsync(instance.InstanceId, token));
                        Interlocked.Increment(ref raised);
                    }
                }

                // A raised run was running and waiting; once it is out of the running set it has finished.
                for (var i = 0; i < runs; i++)
                {
                    if (raisedAt[i] != 0 && doneAt[i] == 0 && !running.Contains(i))
                    {
                        doneAt[i] = seenAt;
                        Interlocked.Increment(ref done);
                    }
                    else if (raisedAt[i] == 0 && seenRunning[i] && !running.Contains(i))
                    {
                        // Ended before it waited: the shape is broken on this side, and its figures would mean nothing.
                        var final = await side.GetAsync(ids[i], token);
                        throw new InvalidOperationException(
                            $"{side.Name} {ids[i]} ended as {final?.State} before waiting for the approval; run with --log-level Information to see why.");
                    }
                }

                var rest = pollInterval - Stopwatch.GetElapsedTime(pollStart);
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, token);
                }
            }
        }, token);

        try
        {
            await Parallel.ForEachAsync(
                ids,
                new ParallelOptions { MaxDegreeOfParallelism = ScheduleParallelism, CancellationToken = token },
                async (id, ct) =>
                {
                    await side.ScheduleAsync(id, ct);
                    Interlocked.Increment(ref scheduled);
                });
            await poller;
            await Task.WhenAll(raises);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"{side.Name} {label}: not done after {timeout.TotalSeconds:0} s ({scheduled} scheduled, {raised} raised, " +
                $"{done} completed). Raise --timeout, or look for errors above.");
        }

        var wall = Stopwatch.GetElapsedTime(started, doneAt.Max()).TotalSeconds;
        var cpuMsPerRun = (Environment.CpuUsage.TotalTime - cpuAtStart).TotalMilliseconds / runs;

        // After the clock stops: the final states, for failures and for the completion time the worker stamped.
        var finals = await Task.WhenAll(ids.Select(id => side.GetAsync(id, CancellationToken.None)));
        return new BatchResult(
            side.Name,
            label,
            runs,
            wall,
            [.. Enumerable.Range(0, runs).Select(i => Stopwatch.GetElapsedTime(raisedAt[i], doneAt[i]).TotalMilliseconds)],
            [.. Enumerable.Range(0, runs).Select(i => ((finals[i]?.LastUpdatedUtc ?? raisedAtUtc[i]) - raisedAtUtc[i]).TotalMilliseconds)],
            finals.Count(f => f?.State != RunState.Completed),
            TimeSpan.FromTicks(pollTicks / Math.Max(polls, 1)).TotalMilliseconds,
            wall * 1000 / Math.Max(polls, 1),
            cpuMsPerRun);
    }

    private static int IndexOf(string instanceId, string prefix) =>
        int.Parse(instanceId.AsSpan(prefix.Length), CultureInfo.InvariantCulture);
}
