using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Benchmarks.Governed;

/// <summary>What one side's measured batches cost, per run.</summary>
internal sealed record SideCost(string Side, int Runs, int Failed, double WallSeconds, double RunsPerSecond, double StorageRequestsPerRun,
    double TokenRequestsPerRun, double CpuSecondsPerRun, double AzuriteCpuSecondsPerRun, double SystemWritesPerRun);

/// <summary>Runs parked at their gate at once, then all approved: memory, stalls, losses.</summary>
internal sealed record ParkedLoad(int Runs, double SecondsToPark, double HostRssMbParked, double LongestStallParkingSeconds,
    double SecondsToFinishAfterApprovals, double LongestStallFinishingSeconds, int Completed, int Failed, double SystemWritesPerRun,
    int LedgersChecked, int LedgersIntact, bool AllFinished = true, double FirstAtGateSeconds = 0, double HalfAtGateSeconds = 0, bool AllParked = true,
    double LongestGapAtGateHostSeconds = double.NaN, double LongestGapEndedHostSeconds = double.NaN);

internal sealed record GovernedReport(
    string Label, DateTimeOffset MeasuredAt, string Machine, int ProcessorCount, string Runtime, string Cpu, string LoadAverageAtStart,
    string LoadAverageAtEnd, string Workflow, SideCost Bare, SideCost Governed, double RunsPerSecondRatio, double StorageRatio,
    double PostToWriteP50Ms, double PostToWriteP95Ms, int PostToWriteSamples, double LoadedPostToWriteP50Ms, double LoadedPostToWriteP95Ms,
    double BareSerialRaiseToCompletedP50Ms, double BareSerialRaiseToCompletedP95Ms, double GovernedSerialRaiseToCompletedP50Ms,
    double GovernedSerialRaiseToCompletedP95Ms, ParkedLoad? Parked, string Notes);

/// <summary>
/// The governed-run benchmark (<c>./build.sh bench --governed</c>): alternating rounds of the bare shape and of real
/// governed runs on one Azurite, then optionally many runs parked at their gate. Figures are per run and as ratios to
/// the bare side measured in the same run; the targets are the issue's.
/// </summary>
internal static class GovernedBench
{
    public static async Task<int> RunAsync(GovernedOptions options, string connectionString, ILoggerFactory loggers)
    {
        var stamp = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);
        await using var bare = new BareSide($"benchbare{stamp}", connectionString, EngineSettings.Benchmark, loggers);
        await using var governed = new GovernedSide(options, connectionString, loggers);
        IBenchSide[] sides = [bare, governed];
        var loadAtStart = BenchReport.ReadLoadAverage();
        Console.WriteLine($"Governed-run benchmark: {options.Workflow}, {options.Runs} runs per side in {options.Rounds} round(s), " +
            $"{options.Warmup} warm-up runs per side{(options.Parked > 0 ? $", then {options.Parked} parked" : string.Empty)}");
        await bare.StartAsync(CancellationToken.None);

        var runner = new BatchRunner(TimeSpan.FromMilliseconds(50), options.Timeout);
        var costs = sides.ToDictionary(s => s, _ => new List<(BatchResult Result, Usage Used)>());
        var measuredIds = new List<string>();
        var serialIds = new List<string>();
        var serial = sides.ToDictionary(s => s, _ => new List<double>());
        ParkedLoad? parked = null;
        try
        {
            foreach (var side in sides)
            {
                if (options.Warmup > 0)
                {
                    var warm = await runner.RunAsync(side, $"w{side.Name[0]}", options.Warmup, showProgress: false);
                    Console.WriteLine($"  {side.Name,-8} warm-up  {warm.Runs} runs in {warm.WallSeconds:0.00} s");
                }
            }

            var batch = 0;
            for (var round = 0; round < options.Rounds; round++)
            {
                var runs = options.Runs / options.Rounds + (round < options.Runs % options.Rounds ? 1 : 0);
                foreach (var side in round % 2 == 0 ? sides : sides.Reverse())
                {
                    var label = $"m{++batch:D2}";
                    var before = await Usage.ReadAsync(options, governed, side == governed);
                    var result = await runner.RunAsync(side, label, runs, showProgress: true);
                    await Task.Delay(1500); // the run's last evidence append and outcome notice land after it completes
                    var used = (await Usage.ReadAsync(options, governed, side == governed)) - before;
                    costs[side].Add((result, used));
                    if (side == governed)
                    {
                        measuredIds.AddRange(Enumerable.Range(0, runs).Select(i => $"{label}-{i:D5}"));
                    }

                    Console.WriteLine($"  {side.Name,-8} {label} {result.Runs} runs in {result.WallSeconds:0.00} s = {result.Runs / result.WallSeconds:0.00} runs/s, " +
                        $"{used.StorageRequests / (double)runs:0} storage requests/run{(result.Failed > 0 ? $", {result.Failed} FAILED" : string.Empty)}");
                }
            }

            // One run at a time, sides alternating: POST -> write with nothing queued in front of it (under the open-loop
            // load above, a decision waits behind every other run's steps).
            for (var i = 0; i < options.Serial; i++)
            {
                foreach (var side in i % 2 == 0 ? sides : sides.Reverse())
                {
                    var label = $"s{i:D3}";
                    var one = await runner.RunAsync(side, label, 1, showProgress: false);
                    serial[side].AddRange(one.RaiseToCompletedMs);
                    if (side == governed)
                    {
                        serialIds.Add($"{label}-00000");
                    }
                }
            }

            if (options.Serial > 0)
            {
                Console.WriteLine($"  one at a time: {options.Serial} runs per side");
            }

            if (options.Parked > 0)
            {
                parked = await ParkAsync(options, governed);
            }
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
        {
            Console.Error.WriteLine(ex.Message);
            return 1;
        }
        finally
        {
            await bare.StopAndDeleteAsync();
        }

        var postToWrite = (await governed.PostToWriteMsAsync(serialIds, CancellationToken.None)).Order().ToArray();
        var postToWriteLoaded = (await governed.PostToWriteMsAsync(measuredIds, CancellationToken.None)).Order().ToArray();
        double P(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : SideSummary.Percentile(sorted, p);
        var bareSerial = serial[bare].Order().ToArray();
        var governedSerial = serial[governed].Order().ToArray();
        SideCost Cost(IBenchSide side)
        {
            var list = costs[side];
            var runs = list.Sum(c => c.Result.Runs);
            var wall = list.Sum(c => c.Result.WallSeconds);
            double Per(Func<Usage, double> pick) => list.Sum(c => pick(c.Used)) / runs;
            return new SideCost(side.Name, runs, list.Sum(c => c.Result.Failed), wall, runs / wall, Per(u => u.StorageRequests), Per(u => u.TokenRequests),
                side == governed ? Per(u => u.HostCpuSeconds) : list.Sum(c => c.Result.ProcessCpuMsPerRun * c.Result.Runs) / runs / 1000,
                Per(u => u.AzuriteCpuSeconds), Per(u => u.SystemWrites));
        }

        var bareCost = Cost(bare);
        var governedCost = Cost(governed);
        var report = new GovernedReport(
            options.Label, DateTimeOffset.UtcNow, Environment.MachineName, Environment.ProcessorCount, RuntimeInformation.FrameworkDescription, CpuModel(),
            loadAtStart, BenchReport.ReadLoadAverage(), options.Workflow, bareCost, governedCost, Ratio(governedCost.RunsPerSecond, bareCost.RunsPerSecond),
            Ratio(governedCost.StorageRequestsPerRun, bareCost.StorageRequestsPerRun),
            P(postToWrite, 0.50), P(postToWrite, 0.95), postToWrite.Length, P(postToWriteLoaded, 0.50), P(postToWriteLoaded, 0.95),
            P(bareSerial, 0.50), P(bareSerial, 0.95), P(governedSerial, 0.50), P(governedSerial, 0.95), parked,
            "Both sides on one Azurite (in memory" + (options.AzuriteLog is null ? ")" : ", debug log on to count requests)") +
            "; the bare side is a DTFx TaskHubWorker with the host.json engine settings running four no-op activities, an event wait and a fifth activity. " +
            "Governed CPU is the host process's; bare CPU is the benchmark process's (driver included). POST -> write is the page POST's start (driver clock) to " +
            "the write step's end (host clock), same machine.");
        var markdown = ToMarkdown(report);
        Console.WriteLine();
        Console.WriteLine(markdown);
        Directory.CreateDirectory(options.OutputDirectory);
        var name = $"governed-{options.Label}";
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, name + ".json"), JsonSerializer.Serialize(report, GovernedOptions.Json));
        await File.WriteAllTextAsync(Path.Combine(options.OutputDirectory, name + ".md"), markdown);
        Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, name)}.json and .md");
        return bareCost.Failed + governedCost.Failed + (parked?.Failed ?? 0) > 0 ? 1 : 0;
    }

    /// <summary>Parks <see cref="GovernedOptions.Parked"/> runs at their gate, reads the host's memory, then approves them all at once.</summary>
    /// <summary>A ratio, or NaN when there is nothing to divide by (e.g. storage requests not counted: COUNT_REQUESTS=0).</summary>
    private static double Ratio(double over, double under) => under > 0 ? over / under : double.NaN;

    private static async Task<ParkedLoad> ParkAsync(GovernedOptions options, GovernedSide governed)
    {
        // Each phase has its own budget, growing with the runs: a thousand runs on one Azurite core take tens of minutes.
        var budget = options.Timeout * 2 + TimeSpan.FromSeconds(3 * options.Parked);
        using var cancel = new CancellationTokenSource(budget);
        var ids = Enumerable.Range(0, options.Parked).Select(i => $"p-{i:D5}").ToArray();
        var writesBefore = await SystemWritesAsync(options, cancel.Token);
        var clock = Stopwatch.StartNew();
        var scheduling = Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancel.Token },
            async (id, ct) => await governed.ScheduleAsync(id, ct));
        double? firstAtGate = null, halfAtGate = null;
        var parked = 0;
        double parkStall;
        try
        {
            parkStall = await WatchAsync(governed, "p-", cancel.Token, options.Parked, (waiting, running) =>
            {
                // When the first run, and half of them, waited at the gate: lockstep shows as both coming late.
                firstAtGate ??= waiting > 0 ? clock.Elapsed.TotalSeconds : null;
                halfAtGate ??= waiting * 2 >= options.Parked ? clock.Elapsed.TotalSeconds : null;
                parked = waiting;
                return waiting == options.Parked;
            }, "parked");
            await scheduling;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Out of time before all parked: say how far it got rather than nothing at all.
            await scheduling.ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine($"  parked   {parked} of {options.Parked} within {budget} (first {firstAtGate:0.0} s, half {halfAtGate:0.0} s); not approving");
            return new ParkedLoad(options.Parked, clock.Elapsed.TotalSeconds, governed.HostUsage().RssMb, clock.Elapsed.TotalSeconds, 0, 0, 0, options.Parked - parked, 0, 0, 0,
                AllFinished: false, firstAtGate ?? 0, halfAtGate ?? 0, AllParked: false);
        }

        cancel.CancelAfter(budget); // the approvals get a budget of their own
        var secondsToPark = clock.Elapsed.TotalSeconds;
        GC.Collect();
        var rss = governed.HostUsage().RssMb;
        Console.WriteLine($"  parked   {options.Parked} runs at their gate in {secondsToPark:0.0} s (first {firstAtGate:0.0} s, half {halfAtGate:0.0} s); host memory {rss:0} MB");

        governed.BeginApproverSession();
        clock.Restart();
        var approvals = Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = options.ApprovalParallelism * 2, CancellationToken = cancel.Token },
            async (id, ct) => await governed.RaiseApprovalAsync(id, ct));
        double finishStall;
        var allFinished = true;
        try
        {
            // An approval that fails stops the load with its reason, instead of leaving the watch to wait for runs
            // that nobody will approve.
            finishStall = await WatchAsync(governed, "p-", cancel.Token, options.Parked,
                (waiting, running) => approvals.IsFaulted ? throw approvals.Exception!.GetBaseException() : running == 0, "finished");
            await approvals;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // Out of time: say where the runs are rather than nothing at all.
            allFinished = false;
            finishStall = clock.Elapsed.TotalSeconds;
            await approvals.ContinueWith(_ => { }, TaskScheduler.Default);
            Console.WriteLine($"  finished not all within {options.Timeout * 2}; counting where the runs are");
        }

        var secondsToFinish = clock.Elapsed.TotalSeconds;
        using var counting = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var finals = await Task.WhenAll(ids.Select(id => governed.GetAsync(id, counting.Token)));
        var writes = (await SystemWritesAsync(options, counting.Token) - writesBefore) / (double)options.Parked;
        var (checkedLedgers, intact) = allFinished ? await CheckLedgersAsync(options, governed, ids, counting.Token) : (0, 0);
        var hostTimes = allFinished ? await governed.HostTimesAsync(ids, counting.Token) : [];
        return new ParkedLoad(options.Parked, secondsToPark, rss, parkStall, secondsToFinish, finishStall,
            finals.Count(f => f?.State == RunState.Completed), finals.Count(f => f?.State != RunState.Completed), writes, checkedLedgers, intact, allFinished,
            firstAtGate ?? 0, halfAtGate ?? 0, AllParked: true,
            LongestGap(hostTimes.Select(t => t.AtGate)), LongestGap(hostTimes.Select(t => (DateTimeOffset?)t.LastUpdated)));
    }

    /// <summary>The longest time between one run's moment and the next one's (NaN when there are fewer than two).</summary>
    private static double LongestGap(IEnumerable<DateTimeOffset?> moments)
    {
        var sorted = moments.OfType<DateTimeOffset>().Order().ToList();
        return sorted.Count < 2 ? double.NaN : sorted.Zip(sorted.Skip(1), (a, b) => (b - a).TotalSeconds).Max();
    }

    /// <summary>Polls until <paramref name="done"/>; returns the longest time nothing moved (no run parked, left the gate or ended).</summary>
    private static async Task<double> WatchAsync(GovernedSide side, string prefix, CancellationToken cancellation, int total, Func<int, int, bool> done, string what)
    {
        var lastChange = Stopwatch.StartNew();
        var watching = Stopwatch.StartNew();
        var longest = 0.0;
        var longestEndedAt = 0.0;
        (int Waiting, int Running) last = (-1, -1), beforeLongest = (0, 0);
        var shown = Stopwatch.StartNew();
        for (;;)
        {
            var running = await side.QueryRunningAsync(prefix, cancellation);
            var now = (running.Count(r => r.CustomStatus == Shape.WaitingStatus), running.Count);
            if (now != last)
            {
                if (lastChange.Elapsed.TotalSeconds > longest)
                {
                    (longest, longestEndedAt, beforeLongest) = (lastChange.Elapsed.TotalSeconds, watching.Elapsed.TotalSeconds, last);
                }

                lastChange.Restart();
                last = now;
            }

            if (shown.Elapsed > TimeSpan.FromSeconds(5))
            {
                Console.WriteLine($"  {what,-8} {watching.Elapsed.TotalSeconds,6:0.0} s  waiting at the gate {now.Item1}/{total}, running {now.Count}");
                shown.Restart();
            }

            if (done(now.Item1, now.Count) && (what != "finished" || now.Count == 0))
            {
                // Where the longest pause was says what it was: before the first gate, between cohorts, or at the tail.
                Console.WriteLine($"  {what,-8} longest time nothing moved {longest:0.0} s, ended at {longestEndedAt:0.0} s " +
                    $"(until then {beforeLongest.Waiting} waiting at the gate, {beforeLongest.Running} running)");
                return Math.Max(longest, lastChange.Elapsed.TotalSeconds);
            }

            // Each poll reads every running instance's row (a thousand rows with their status): polled often, the
            // watcher itself would be a large share of Azurite's work. Two seconds still resolves a 5 s stall.
            await Task.Delay(WatchInterval, cancellation);
        }
    }

    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    /// <summary>Each run's ledger as an investigator reads it (stored records, signed head, place in the log), verified by the host.</summary>
    private static async Task<(int Checked, int Intact)> CheckLedgersAsync(GovernedOptions options, GovernedSide side, IEnumerable<string> ids, CancellationToken cancellation)
    {
        if (options.InvestigatorToken is null)
        {
            return (0, 0);
        }

        using var api = new HttpClient { BaseAddress = options.Api, Timeout = TimeSpan.FromSeconds(60) };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.InvestigatorToken);
        var intact = 0;
        var count = 0;
        await Parallel.ForEachAsync(side.RunIdsOf(ids), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (runId, ct) =>
        {
            var evidence = await api.GetFromJsonAsync<JsonObject>($"api/runs/{runId}/evidence", ct);
            Interlocked.Increment(ref count);
            if (evidence?["verification"]?["intact"]?.GetValue<bool>() == true)
            {
                Interlocked.Increment(ref intact);
            }
        });
        return (count, intact);
    }

    /// <summary>Calls the sample systems answered with success that change something (every method but GET).</summary>
    private static async Task<int> SystemWritesAsync(GovernedOptions options, CancellationToken cancellation)
    {
        using var dev = new HttpClient { BaseAddress = options.DevServices };
        var log = await dev.GetFromJsonAsync<JsonArray>("_dev/requests", cancellation);
        return log?.Count(r => r?["method"]?.GetValue<string>() != "GET" && r?["status"]?.GetValue<int>() is >= 200 and < 300) ?? 0;
    }

    private static string ToMarkdown(GovernedReport r)
    {
        static string F(double v, int digits = 2) => double.IsNaN(v) || double.IsInfinity(v) ? "—" : v.ToString("F" + digits, CultureInfo.InvariantCulture);
        static string Met(bool met) => met ? "yes" : "**no**";
        var md = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"# Governed run vs bare engine ({r.Label})")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"{r.MeasuredAt:u}, {r.Machine}: {r.ProcessorCount} CPUs ({r.Cpu}), {r.Runtime}; load average {r.LoadAverageAtStart} at start, {r.LoadAverageAtEnd} at end. Workflow {r.Workflow}.")
            .AppendLine()
            .AppendLine("| per run | bare engine | governed | governed / bare | target | met |")
            .AppendLine("|---|---|---|---|---|---|")
            .AppendLine(CultureInfo.InvariantCulture, $"| runs/s | {F(r.Bare.RunsPerSecond)} | {F(r.Governed.RunsPerSecond)} | {F(r.RunsPerSecondRatio)} | ≥ 0.8 | {Met(r.RunsPerSecondRatio >= 0.8)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| storage requests | {F(r.Bare.StorageRequestsPerRun, 0)} | {F(r.Governed.StorageRequestsPerRun, 0)} | {F(r.StorageRatio)} | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| token requests | {F(r.Bare.TokenRequestsPerRun, 1)} | {F(r.Governed.TokenRequestsPerRun, 1)} | | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| CPU seconds (host / bench process) | {F(r.Bare.CpuSecondsPerRun, 3)} | {F(r.Governed.CpuSecondsPerRun, 3)} | {F(r.Governed.CpuSecondsPerRun / r.Bare.CpuSecondsPerRun)} | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| Azurite CPU seconds | {F(r.Bare.AzuriteCpuSecondsPerRun, 3)} | {F(r.Governed.AzuriteCpuSecondsPerRun, 3)} | {F(r.Governed.AzuriteCpuSecondsPerRun / r.Bare.AzuriteCpuSecondsPerRun)} | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| system writes | — | {F(r.Governed.SystemWritesPerRun)} | | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| runs measured (failed) | {r.Bare.Runs} ({r.Bare.Failed}) | {r.Governed.Runs} ({r.Governed.Failed}) | | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| one at a time: event raised / page POST → run completed, p50 ms (polled) | {F(r.BareSerialRaiseToCompletedP50Ms, 0)} | {F(r.GovernedSerialRaiseToCompletedP50Ms, 0)} | {F(r.GovernedSerialRaiseToCompletedP50Ms / r.BareSerialRaiseToCompletedP50Ms)} | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| one at a time: event raised / page POST → run completed, p95 ms (polled) | {F(r.BareSerialRaiseToCompletedP95Ms, 0)} | {F(r.GovernedSerialRaiseToCompletedP95Ms, 0)} | {F(r.GovernedSerialRaiseToCompletedP95Ms / r.BareSerialRaiseToCompletedP95Ms)} | | |")
            .AppendLine(CultureInfo.InvariantCulture, $"| one at a time: approval page POST → write, p50 ms ({r.PostToWriteSamples} runs) | | {F(r.PostToWriteP50Ms, 0)} | | ≤ 150 | {Met(r.PostToWriteP50Ms <= 150)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| one at a time: approval page POST → write, p95 ms | | {F(r.PostToWriteP95Ms, 0)} | | ≤ 400 | {Met(r.PostToWriteP95Ms <= 400)} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| under the batches' load: approval page POST → write, p50 / p95 ms | | {F(r.LoadedPostToWriteP50Ms, 0)} / {F(r.LoadedPostToWriteP95Ms, 0)} | | | |");
        if (r.Parked is { } p)
        {
            var finishing = !p.AllParked
                ? $"**not all parked** within the bench's time ({p.Failed} still on their way), so none was approved; "
                : p.AllFinished
                ? $"all approved through the page and finished in {F(p.SecondsToFinishAfterApprovals, 1)} s; "
                : $"**not all finished** {F(p.SecondsToFinishAfterApprovals, 1)} s after the approvals began (the bench's timeout); ";
            md.AppendLine()
                .AppendLine(CultureInfo.InvariantCulture, $"**{p.Runs} runs parked at their gate at once**: parked in {F(p.SecondsToPark, 1)} s (the first at its gate after {F(p.FirstAtGateSeconds, 1)} s, half after {F(p.HalfAtGateSeconds, 1)} s); host memory {F(p.HostRssMbParked, 0)} MB " +
                    $"(target ≤ 500: {Met(p.HostRssMbParked <= 500)}); {finishing}" +
                    $"{p.Completed} completed, {p.Failed} not; {F(p.SystemWritesPerRun)} system writes per run; ledgers intact {p.LedgersIntact} of {p.LedgersChecked} checked; " +
                    $"longest time nothing moved, as the bench's polls saw it: {F(p.LongestStallParkingSeconds, 1)} s parking, {F(p.LongestStallFinishingSeconds, 1)} s finishing; " +
                    $"by the host's own clock, the longest time no run reached its gate {F(p.LongestGapAtGateHostSeconds, 1)} s and no run ended {F(p.LongestGapEndedHostSeconds, 1)} s (target ≤ 5: " +
                    $"{Met(Math.Max(p.LongestGapAtGateHostSeconds, p.LongestGapEndedHostSeconds) <= 5)}). A poll reads every run's row, so at a thousand runs polls are seconds apart " +
                    $"and the polled figure cannot fall below that; the host's figures come from each run's own step and end times.");
        }

        return md.AppendLine().AppendLine(r.Notes).ToString();
    }

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";

    /// <summary>Counters read before and after a batch.</summary>
    private sealed record Usage(long StorageRequests, double TokenRequests, double HostCpuSeconds, double AzuriteCpuSeconds, double SystemWrites)
    {
        public static async Task<Usage> ReadAsync(GovernedOptions options, GovernedSide governed, bool isGoverned) => new(
            await StorageRequestsSettledAsync(options.AzuriteLog),
            isGoverned ? await governed.TokenRequestsAsync(CancellationToken.None) : 0,
            governed.HostUsage().CpuSeconds,
            ProcessUsage.Of(options.AzuritePid).CpuSeconds,
            isGoverned ? await SystemWritesAsync(options, CancellationToken.None) : 0);

        public static Usage operator -(Usage after, Usage before) => new(
            after.StorageRequests - before.StorageRequests, after.TokenRequests - before.TokenRequests, after.HostCpuSeconds - before.HostCpuSeconds,
            after.AzuriteCpuSeconds - before.AzuriteCpuSeconds, after.SystemWrites - before.SystemWrites);

        /// <summary>Azurite writes its log behind the requests: count once it has stopped growing (at most 15 s).</summary>
        private static async Task<long> StorageRequestsSettledAsync(string? log)
        {
            if (log is null || !File.Exists(log))
            {
                return 0;
            }

            var size = -1L;
            for (var i = 0; i < 30 && new FileInfo(log).Length != size; i++)
            {
                size = new FileInfo(log).Length;
                await Task.Delay(500);
            }

            return StorageRequestsLogged(log);
        }

        /// <summary>Azurite's debug log has one "RequestMethod=" line per request it served; read on from where the last count stopped.</summary>
        private static long StorageRequestsLogged(string? log)
        {
            if (log is null || !File.Exists(log))
            {
                return 0;
            }

            lock (Counted)
            {
                using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                stream.Position = Counted.Position;
                var buffer = new byte[1 << 20];
                var marker = "StorageContextMiddleware: RequestMethod="u8;
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
                {
                    // Whole lines only: a line cut at the buffer's end is read again with the next buffer.
                    var end = read == buffer.Length ? Array.LastIndexOf(buffer, (byte)'\n', read - 1) + 1 : read;
                    if (end <= 0)
                    {
                        end = read;
                    }

                    var span = buffer.AsSpan(0, end);
                    for (var at = span.IndexOf(marker); at >= 0; at = span.IndexOf(marker))
                    {
                        Counted.Requests++;
                        span = span[(at + marker.Length)..];
                    }

                    Counted.Position += end;
                    stream.Position = Counted.Position;
                }

                return Counted.Requests;
            }
        }

        private static readonly LogPosition Counted = new();

        private sealed class LogPosition
        {
            public long Position { get; set; }

            public long Requests { get; set; }
        }
    }
}
