using System.Globalization;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Benchmarks;

/// <summary>Command-line options; small enough not to need a parser library.</summary>
internal sealed record BenchOptions(int Runs, int Rounds, int Warmup, int SerialRuns, TimeSpan PollInterval, TimeSpan Timeout, string OutputDirectory, LogLevel LogLevel)
{
    public const string Usage = """
        DurableAgentOps engine benchmark: the engine against a bare DTFx TaskHubWorker, same shape, same settings.

        Usage: ./build.sh bench [options]
               dotnet DurableAgentOps.Benchmarks.dll [options]

          --runs N        measured runs per side (default 200)
          --rounds R      split the runs into R rounds, sides alternating: bare/engine, engine/bare, ... (default 4)
          --warmup N      warm-up runs per side before measuring, not counted (default 40, in two alternating halves)
          --serial N      then N runs per side one at a time, for latency without a backlog (default 40)
          --poll-ms M     poll interval of the waiting/completion poller (default 20; the issue asks for <= 20)
          --timeout S     give up on a batch after S seconds (default 300)
          --out DIR       where to write engine-vs-bare.json and .md (default .artifacts/bench)
          --log-level L   log level of the engines' own logs (default Warning)
          --help          show this text

        Storage: the connection string in AzureWebJobsStorage (default UseDevelopmentStorage=true, i.e. Azurite on
        127.0.0.1:10000-10002). Each side gets a fresh task hub, deleted at the end.
        """;

    public static BenchOptions Default { get; } = new(200, 4, 40, 40, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(300), Path.Combine(".artifacts", "bench"), LogLevel.Warning);

    /// <summary>Parses <paramref name="args"/>; null means help was asked for. Throws <see cref="FormatException"/> on bad input.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args)
    {
        var options = Default;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value.");
            options = args[i] switch
            {
                "--help" or "-h" or "-?" => null,
                "--runs" => options with { Runs = Positive("--runs", Value()) },
                "--rounds" => options with { Rounds = Positive("--rounds", Value()) },
                "--warmup" => options with { Warmup = Positive("--warmup", Value()) },
                "--serial" => options with { SerialRuns = Positive("--serial", Value()) },
                "--poll-ms" => options with { PollInterval = TimeSpan.FromMilliseconds(Positive("--poll-ms", Value())) },
                "--timeout" => options with { Timeout = TimeSpan.FromSeconds(Positive("--timeout", Value())) },
                "--out" => options with { OutputDirectory = Value() },
                "--log-level" => options with
                {
                    LogLevel = Enum.TryParse<LogLevel>(Value(), ignoreCase: true, out var level)
                        ? level
                        : throw new FormatException($"--log-level must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}."),
                },
                _ => throw new FormatException($"Unknown option '{args[i]}'."),
            };
            if (options is null)
            {
                return null;
            }
        }

        return options.Rounds > options.Runs
            ? throw new FormatException($"--rounds ({options.Rounds}) cannot exceed --runs ({options.Runs}).")
            : options;
    }

    private static int Positive(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"{name} must be a positive whole number, not '{value}'.");
}
