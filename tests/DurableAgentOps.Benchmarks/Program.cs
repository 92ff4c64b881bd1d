using System.Diagnostics;
using System.Runtime.InteropServices;
using DurableAgentOps.Benchmarks;
using DurableAgentOps.Benchmarks.Governed;
using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Logging;

if (args.Length > 0 && args[0] == "--governed")
{
    GovernedOptions? governed;
    try
    {
        governed = GovernedOptions.Parse(args[1..]);
    }
    catch (FormatException ex)
    {
        Console.Error.WriteLine(ex.Message);
        Console.Error.WriteLine(GovernedOptions.Usage);
        return 2;
    }

    if (governed is null)
    {
        Console.WriteLine(GovernedOptions.Usage);
        return 0;
    }

    using var governedLoggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
    return await GovernedBench.RunAsync(governed, Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } storageSetting
        ? storageSetting
        : StorageConnection.DevelopmentStorage, governedLoggers);
}

BenchOptions? options;
try
{
    options = BenchOptions.Parse(args);
}
catch (FormatException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options is null)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var connectionString = Environment.GetEnvironmentVariable("AzureWebJobsStorage") is { Length: > 0 } configured
    ? configured
    : StorageConnection.DevelopmentStorage;
var storage = StorageConnection.FromConnectionString(connectionString).Describe();
var settings = EngineSettings.Benchmark;
var pollInterval = options.PollInterval;
var stamp = DateTime.UtcNow.ToString("MMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);

using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.LogLevel));
EngineSide engine;
BareSide bare;
try
{
    engine = new EngineSide($"benchengine{stamp}", connectionString, settings, options.LogLevel, loggerFactory);
    bare = new BareSide($"benchbare{stamp}", connectionString, settings, loggerFactory);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"AzureWebJobsStorage is not a usable storage connection string: {ex.Message}");
    return 2;
}

await using var engineLifetime = engine;
await using var bareLifetime = bare;
IBenchSide[] sides = [bare, engine];

var loadAtStart = BenchReport.ReadLoadAverage();
Console.WriteLine($"Engine benchmark: {options.Runs} runs per side in {options.Rounds} round(s), {options.Warmup} warm-up runs per side, storage {storage}");
try
{
    // The engine starts first: it probes storage and fails within seconds, naming the endpoint, if it is not there.
    foreach (var side in sides.Reverse())
    {
        var started = Stopwatch.GetTimestamp();
        await side.StartAsync(CancellationToken.None);
        Console.WriteLine($"  {side.Name,-6} started on hub {side.HubName} in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
    }
}
catch (StorageUnreachableException ex)
{
    Console.Error.WriteLine($"Cannot reach storage: {ex.Message}");
    Console.Error.WriteLine("Run the benchmark with ./build.sh bench (it starts Azurite in memory), or set AzureWebJobsStorage.");
    return 3;
}

var runner = new BatchRunner(pollInterval, options.Timeout);
var measured = sides.ToDictionary(s => s, _ => new List<BatchResult>());
var serial = sides.ToDictionary(s => s, _ => new List<BatchResult>());
var order = new List<string>();
try
{
    // Warm up in two alternating halves: the JIT's tiering and the emulator's first tables settle before measuring.
    for (var half = 0; half < 2; half++)
    {
        foreach (var side in sides)
        {
            var warm = await runner.RunAsync(side, $"w{half}", Math.Max(1, options.Warmup / 2), showProgress: false);
            await side.PurgeFinishedAsync();
            Console.WriteLine($"  {side.Name,-6} warm-up  {warm.Runs} runs in {warm.WallSeconds:0.00} s");
        }
    }

    // Alternate which side goes first (bare, engine | engine, bare | ...) so drift in the emulator or the
    // machine over the run falls on both sides alike.
    var batch = 0;
    for (var round = 0; round < options.Rounds; round++)
    {
        var runs = options.Runs / options.Rounds + (round < options.Runs % options.Rounds ? 1 : 0);
        foreach (var side in round % 2 == 0 ? sides : sides.Reverse())
        {
            var label = $"m{++batch:D2}";
            var result = await runner.RunAsync(side, label, runs, showProgress: true);
            measured[side].Add(result);
            order.Add(side.Name);

            // Untimed: both sides start each batch with the same (empty) history, so emulator slow-down from
            // accumulated rows does not fall on whichever side runs last.
            await side.PurgeFinishedAsync();
            Console.WriteLine($"  {side.Name,-6} {label,-8} {result.Runs} runs in {result.WallSeconds:0.00} s = {result.Runs / result.WallSeconds:0.00} runs/s, " +
                $"CPU {result.ProcessCpuMsPerRun:0.0} ms/run, list poll {result.PollRequestMeanMs:0.0} ms" +
                (result.Failed > 0 ? $", {result.Failed} FAILED" : string.Empty));
        }
    }

    // One run at a time, sides alternating run by run: latency with nothing queued in front of the event.
    for (var i = 0; i < options.SerialRuns; i++)
    {
        foreach (var side in i % 2 == 0 ? sides : sides.Reverse())
        {
            serial[side].Add(await runner.RunAsync(side, $"s{i:D4}", 1, showProgress: false));
        }
    }

    Console.WriteLine($"  one at a time: {options.SerialRuns} runs per side done");
}
catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}
finally
{
    foreach (var side in sides)
    {
        try
        {
            await side.StopAndDeleteAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or Azure.RequestFailedException)
        {
            Console.Error.WriteLine($"  {side.Name}: could not delete hub {side.HubName}: {ex.Message}");
        }
    }
}

var bareSummary = SideSummary.From(bare, measured[bare]);
var engineSummary = SideSummary.From(engine, measured[engine]);
var bareSerial = SerialLatency.From(serial[bare]);
var engineSerial = SerialLatency.From(serial[engine]);
var report = new BenchReport(
    DateTimeOffset.UtcNow,
    Environment.MachineName,
    Environment.ProcessorCount,
    RuntimeInformation.FrameworkDescription,
    loadAtStart,
    BenchReport.ReadLoadAverage(),
    new BenchConfig(options.Runs, options.Rounds, options.Warmup, options.SerialRuns, string.Join(", ", order), pollInterval.TotalMilliseconds, storage),
    settings,
    bareSummary,
    engineSummary,
    bareSerial,
    engineSerial,
    Comparison.Of(bareSummary, engineSummary, bareSerial, engineSerial));

Console.WriteLine();
Console.WriteLine(report.ToText());
Console.WriteLine($"load average {loadAtStart} at start, {report.LoadAverageAtEnd} at end ({Environment.ProcessorCount} CPUs)");
await report.WriteAsync(options.OutputDirectory);
Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, "engine-vs-bare.json")} and engine-vs-bare.md");

// A measurement, not a test: failed runs make the figures meaningless, unmet targets do not.
return bareSummary.Failed + engineSummary.Failed + serial.Values.Sum(b => b.Sum(r => r.Failed)) > 0 ? 1 : 0;
