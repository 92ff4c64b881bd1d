using System.Globalization;
using System.Text;
using System.Text.Json;

namespace DurableAgentOps.Benchmarks;

internal sealed record BatchSummary(
    string Label, int Runs, double WallSeconds, double RunsPerSecond, double P50Ms, double P95Ms, double ProcessCpuMsPerRun, double PollRequestMeanMs);

/// <summary>One side over all its measured batches: runs/s is runs over the sum of the batches' wall times.</summary>
internal sealed record SideSummary(
    string Side,
    string HubName,
    int Runs,
    int Failed,
    double WallSeconds,
    double RunsPerSecond,
    double RaiseToCompletedP50Ms,
    double RaiseToCompletedP95Ms,
    double RaiseToCompletedP99Ms,
    double RaiseToCompletedMeanMs,
    double RaiseToCompletedMaxMs,
    double StampedP50Ms,
    double StampedP95Ms,
    double PollRequestMeanMs,
    double PollPeriodMeanMs,
    double ProcessCpuMsPerRun,
    IReadOnlyList<BatchSummary> Batches)
{
    public static SideSummary From(IBenchSide side, IReadOnlyList<BatchResult> batches)
    {
        var latencies = batches.SelectMany(b => b.RaiseToCompletedMs).Order().ToArray();
        var stamped = batches.SelectMany(b => b.RaiseToStampedCompletionMs).Order().ToArray();
        var runs = batches.Sum(b => b.Runs);
        var wall = batches.Sum(b => b.WallSeconds);
        return new SideSummary(
            side.Name,
            side.HubName,
            runs,
            batches.Sum(b => b.Failed),
            wall,
            runs / wall,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.95),
            Percentile(latencies, 0.99),
            latencies.Average(),
            latencies[^1],
            Percentile(stamped, 0.50),
            Percentile(stamped, 0.95),
            batches.Average(b => b.PollRequestMeanMs),
            batches.Average(b => b.PollPeriodMeanMs),
            batches.Sum(b => b.ProcessCpuMsPerRun * b.Runs) / runs,
            [.. batches.Select(b =>
            {
                var sorted = b.RaiseToCompletedMs.Order().ToArray();
                return new BatchSummary(
                    b.Label, b.Runs, b.WallSeconds, b.Runs / b.WallSeconds, Percentile(sorted, 0.50), Percentile(sorted, 0.95), b.ProcessCpuMsPerRun, b.PollRequestMeanMs);
            })]);
    }

    /// <summary>Nearest-rank percentile of an ascending array.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>
/// Raise->completed with one run in flight at a time: the engines' wake-up latency with no backlog in front of
/// the event (under the open-loop load, queueing behind other runs dominates raise->completed).
/// </summary>
internal sealed record SerialLatency(int Runs, double P50Ms, double P95Ms, double StampedP50Ms, double StampedP95Ms)
{
    public static SerialLatency From(IReadOnlyList<BatchResult> batches)
    {
        var polled = batches.SelectMany(b => b.RaiseToCompletedMs).Order().ToArray();
        var stamped = batches.SelectMany(b => b.RaiseToStampedCompletionMs).Order().ToArray();
        return new SerialLatency(
            polled.Length,
            SideSummary.Percentile(polled, 0.50),
            SideSummary.Percentile(polled, 0.95),
            SideSummary.Percentile(stamped, 0.50),
            SideSummary.Percentile(stamped, 0.95));
    }
}

/// <summary>
/// The issue's targets: engine/bare runs/s at least 0.9; p50 and p95 at most 1.5 times the bare ones. The latency
/// targets are checked both under load and one run at a time.
/// </summary>
internal sealed record Comparison(
    double RunsPerSecondRatio,
    double P50Ratio,
    double P95Ratio,
    double SerialP50Ratio,
    double SerialP95Ratio)
{
    public const double MinRunsPerSecondRatio = 0.9;
    public const double MaxLatencyRatio = 1.5;

    public bool RunsPerSecondTargetMet => RunsPerSecondRatio >= MinRunsPerSecondRatio;

    public bool P50TargetMet => P50Ratio <= MaxLatencyRatio;

    public bool P95TargetMet => P95Ratio <= MaxLatencyRatio;

    public bool SerialP50TargetMet => SerialP50Ratio <= MaxLatencyRatio;

    public bool SerialP95TargetMet => SerialP95Ratio <= MaxLatencyRatio;

    public bool AllTargetsMet => RunsPerSecondTargetMet && P50TargetMet && P95TargetMet && SerialP50TargetMet && SerialP95TargetMet;

    public static Comparison Of(SideSummary bare, SideSummary engine, SerialLatency bareSerial, SerialLatency engineSerial) => new(
        engine.RunsPerSecond / bare.RunsPerSecond,
        engine.RaiseToCompletedP50Ms / bare.RaiseToCompletedP50Ms,
        engine.RaiseToCompletedP95Ms / bare.RaiseToCompletedP95Ms,
        engineSerial.P50Ms / bareSerial.P50Ms,
        engineSerial.P95Ms / bareSerial.P95Ms);
}

internal sealed record BenchConfig(
    int Runs,
    int Rounds,
    int WarmupRunsPerSide,
    int SerialRunsPerSide,
    string Order,
    double PollIntervalMs,
    string Storage);

internal sealed record BenchReport(
    DateTimeOffset MeasuredAt,
    string Machine,
    int ProcessorCount,
    string Runtime,
    string LoadAverageAtStart,
    string LoadAverageAtEnd,
    BenchConfig Config,
    EngineSettings Settings,
    SideSummary Bare,
    SideSummary Engine,
    SerialLatency BareSerial,
    SerialLatency EngineSerial,
    Comparison Comparison)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The figures as rows: label, bare, engine, engine/bare, target, met.</summary>
    public IReadOnlyList<string[]> Rows() =>
    [
        ["runs/s", F(Bare.RunsPerSecond, 2), F(Engine.RunsPerSecond, 2), F(Comparison.RunsPerSecondRatio, 2),
            $">= {F(Comparison.MinRunsPerSecondRatio, 1)}", Met(Comparison.RunsPerSecondTargetMet)],
        ["raise->completed p50 (ms)", F(Bare.RaiseToCompletedP50Ms, 1), F(Engine.RaiseToCompletedP50Ms, 1), F(Comparison.P50Ratio, 2),
            $"<= {F(Comparison.MaxLatencyRatio, 1)}", Met(Comparison.P50TargetMet)],
        ["raise->completed p95 (ms)", F(Bare.RaiseToCompletedP95Ms, 1), F(Engine.RaiseToCompletedP95Ms, 1), F(Comparison.P95Ratio, 2),
            $"<= {F(Comparison.MaxLatencyRatio, 1)}", Met(Comparison.P95TargetMet)],
        ["raise->completed p99 (ms)", F(Bare.RaiseToCompletedP99Ms, 1), F(Engine.RaiseToCompletedP99Ms, 1),
            F(Engine.RaiseToCompletedP99Ms / Bare.RaiseToCompletedP99Ms, 2), "", ""],
        ["raise->completed max (ms)", F(Bare.RaiseToCompletedMaxMs, 1), F(Engine.RaiseToCompletedMaxMs, 1),
            F(Engine.RaiseToCompletedMaxMs / Bare.RaiseToCompletedMaxMs, 2), "", ""],
        ["one at a time: raise->completed p50 (ms)", F(BareSerial.P50Ms, 1), F(EngineSerial.P50Ms, 1), F(Comparison.SerialP50Ratio, 2),
            $"<= {F(Comparison.MaxLatencyRatio, 1)}", Met(Comparison.SerialP50TargetMet)],
        ["one at a time: raise->completed p95 (ms)", F(BareSerial.P95Ms, 1), F(EngineSerial.P95Ms, 1), F(Comparison.SerialP95Ratio, 2),
            $"<= {F(Comparison.MaxLatencyRatio, 1)}", Met(Comparison.SerialP95TargetMet)],
        ["one at a time: completion stamp p50 (ms)", F(BareSerial.StampedP50Ms, 1), F(EngineSerial.StampedP50Ms, 1),
            F(EngineSerial.StampedP50Ms / BareSerial.StampedP50Ms, 2), "", ""],
        ["raise->completion stamp p50 (ms)", F(Bare.StampedP50Ms, 1), F(Engine.StampedP50Ms, 1), F(Engine.StampedP50Ms / Bare.StampedP50Ms, 2), "", ""],
        ["raise->completion stamp p95 (ms)", F(Bare.StampedP95Ms, 1), F(Engine.StampedP95Ms, 1), F(Engine.StampedP95Ms / Bare.StampedP95Ms, 2), "", ""],
        ["poll request mean / period (ms)", $"{F(Bare.PollRequestMeanMs, 1)} / {F(Bare.PollPeriodMeanMs, 1)}",
            $"{F(Engine.PollRequestMeanMs, 1)} / {F(Engine.PollPeriodMeanMs, 1)}", "", "", ""],
        ["process CPU per run (ms)", F(Bare.ProcessCpuMsPerRun, 1), F(Engine.ProcessCpuMsPerRun, 1),
            F(Engine.ProcessCpuMsPerRun / Bare.ProcessCpuMsPerRun, 2), "", ""],
        ["wall time (s)", F(Bare.WallSeconds, 2), F(Engine.WallSeconds, 2), "", "", ""],
        ["failed runs", Bare.Failed.ToString(CultureInfo.InvariantCulture), Engine.Failed.ToString(CultureInfo.InvariantCulture), "", "", ""],
    ];

    public string ToText()
    {
        string[] header = ["", "bare DTFx", "engine", "engine/bare", "target", "met"];
        var rows = Rows().Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"targets {(Comparison.AllTargetsMet ? "MET" : "NOT MET")}");
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Engine vs bare Durable Task Framework");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"{MeasuredAt:yyyy-MM-dd HH:mm} UTC on {Machine} ({ProcessorCount} CPUs, {Runtime}), storage {Config.Storage}, " +
            $"load average (1/5/15 min) {LoadAverageAtStart} at start and {LoadAverageAtEnd} at end. " +
            $"{Config.Runs} runs per side in {Config.Rounds} round(s), order {Config.Order}, after {Config.WarmupRunsPerSide} warm-up runs per side; " +
            $"then {Config.SerialRunsPerSide} runs per side one at a time, sides alternating. " +
            $"Shape: 4 activities, approval event raised as soon as the run waits, 1 activity. Settings: {Settings.PartitionCount} partitions, " +
            $"max queue poll {Settings.MaxQueuePollingInterval.TotalSeconds:0.###} s, {Settings.MaxConcurrentActivities} activities / " +
            $"{Settings.MaxConcurrentOrchestrations} orchestrations at once, extended sessions {(Settings.ExtendedSessions ? "on" : "off")}. " +
            $"One poller lists the batch's running instances every {Config.PollIntervalMs:0} ms (or back to back when a list takes longer): " +
            $"it raises the approval when a run shows the waiting status, and takes raise->completed when a raised run has left the running set. " +
            $"The completion stamp rows use the time the worker stamped on the finished instance (LastUpdatedTime) instead of the poll.");
        md.AppendLine();
        md.AppendLine("| | bare DTFx | engine | engine/bare | target | met |");
        md.AppendLine("|---|---:|---:|---:|---|---|");
        foreach (var row in Rows())
        {
            md.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Targets {(Comparison.AllTargetsMet ? "met" : "**not met**")}.");
        md.AppendLine();
        md.AppendLine("| batch | side | runs | wall (s) | runs/s | p50 (ms) | p95 (ms) | CPU/run (ms) | list poll (ms) |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (side, batch) in Bare.Batches.Select(b => ("bare", b)).Concat(Engine.Batches.Select(b => ("engine", b))).OrderBy(x => x.b.Label, StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {batch.Label} | {side} | {batch.Runs} | {F(batch.WallSeconds, 2)} | {F(batch.RunsPerSecond, 2)} | {F(batch.P50Ms, 1)} | {F(batch.P95Ms, 1)} | {F(batch.ProcessCpuMsPerRun, 1)} | {F(batch.PollRequestMeanMs, 1)} |");
        }

        return md.ToString();
    }

    public async Task WriteAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "engine-vs-bare.json"), JsonSerializer.Serialize(this, Json));
        await File.WriteAllTextAsync(Path.Combine(directory, "engine-vs-bare.md"), ToMarkdown());
    }

    /// <summary>Other work on the machine moves these figures; the load average says how much there was.</summary>
    public static string ReadLoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Met(bool met) => met ? "yes" : "NO";
}
