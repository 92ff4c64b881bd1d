using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Benchmarks.Governed;

/// <summary>The governed benchmark's options: what to drive (the local stack ./build.sh starts) and how much.</summary>
internal sealed record GovernedOptions(
    int Runs,
    int Rounds,
    int Warmup,
    int Parked,
    int Serial,
    Uri Api,
    Uri DevServices,
    Uri Smtp4dev,
    string StarterToken,
    string ApproverEmail,
    string? InvestigatorToken,
    string Workflow,
    JsonObject Input,
    string HubName,
    int HostPid,
    int AzuritePid,
    string? AzuriteLog,
    int ApprovalParallelism,
    TimeSpan Timeout,
    string OutputDirectory,
    string Label)
{
    public const string Usage = """
        DurableAgentOps governed-run benchmark: full governed runs through the local stack (sign-in, step identities'
        tokens, the sample system, evidence, the approval page's POST of a mailed link) against a bare DTFx worker
        running the same shape (four steps, a wait for an event, the write) in the same run, on the same Azurite.

        Usage: ./build.sh bench --governed [--runs N] [--parked N]   (starts Azurite, smtp4dev, DevServices and the host)

          --runs N          measured runs per side (default 100), in --rounds R alternating rounds (default 2)
          --warmup N        warm-up runs per side, not counted (default 10)
          --serial N        then N runs per side one at a time: approval POST -> write with nothing queued (default 20)
          --parked N        then N runs parked at their gate at once: the host's memory, stalls, then all approved (default 0)
          --label TEXT      a name for this measurement in the results (default "governed")
          --out DIR         where the JSON and Markdown go (default bench/results)
          --approval-parallelism N  approval page POSTs in flight at once (default 8)
          --timeout S       give up on a batch after S seconds (default 900)
        The stack's addresses and the people's sign-ins come from ./build.sh (--api, --dev, --smtp, --starter,
        --approver, --investigator, --hub, --host-pid, --azurite-pid, --azurite-log).
        """;

    /// <summary>Parses the arguments after <c>--governed</c>; null means help. Throws <see cref="FormatException"/> on bad input.</summary>
    public static GovernedOptions? Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is "--help" or "-h")
            {
                return null;
            }

            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new FormatException($"'{args[i]}' is not an option with a value.");
            }

            values[args[i][2..]] = args[++i];
        }

        string Required(string name) => values.TryGetValue(name, out var v) ? v : throw new FormatException($"--{name} is required.");
        int Number(string name, int fallback, int min = 1) => !values.TryGetValue(name, out var v) ? fallback
            : int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min ? n
            : throw new FormatException($"--{name} must be a whole number of at least {min}, not '{v}'.");
        static string TokenIn(string file) =>
            JsonNode.Parse(File.ReadAllText(file))?["accessToken"]?.GetValue<string>() ?? throw new FormatException($"{file} holds no accessToken.");

        var known = new HashSet<string>(StringComparer.Ordinal)
        {
            "runs", "rounds", "warmup", "parked", "serial", "api", "dev", "smtp", "starter", "approver", "investigator", "workflow", "input", "hub",
            "host-pid", "azurite-pid", "azurite-log", "approval-parallelism", "timeout", "out", "label",
        };
        if (values.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new FormatException($"Unknown option '--{unknown}'.");
        }

        var options = new GovernedOptions(
            Number("runs", 100),
            Number("rounds", 2),
            Number("warmup", 10, 0),
            Number("parked", 0, 0),
            Number("serial", 20, 0),
            new Uri(Required("api").TrimEnd('/') + "/"),
            new Uri(Required("dev").TrimEnd('/') + "/"),
            new Uri(Required("smtp").TrimEnd('/') + "/"),
            TokenIn(Required("starter")),
            Required("approver"),
            values.TryGetValue("investigator", out var investigator) ? TokenIn(investigator) : null,
            values.GetValueOrDefault("workflow", "crm-followup"),
            JsonNode.Parse(values.GetValueOrDefault("input", """{"accountId":"ACC-000002"}""")) as JsonObject ?? throw new FormatException("--input must be a JSON object."),
            values.GetValueOrDefault("hub", "DurableAgentOps"),
            Number("host-pid", 0, 0),
            Number("azurite-pid", 0, 0),
            values.GetValueOrDefault("azurite-log"),
            Number("approval-parallelism", 8),
            TimeSpan.FromSeconds(Number("timeout", 900)),
            values.GetValueOrDefault("out", Path.Combine("bench", "results")),
            values.GetValueOrDefault("label", "governed"));
        return options.Rounds > options.Runs ? throw new FormatException($"--rounds ({options.Rounds}) cannot exceed --runs ({options.Runs}).") : options;
    }

    /// <summary>A figure that was not measured (a ratio over nothing, a percentile of no samples) is NaN, written as "NaN".</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
