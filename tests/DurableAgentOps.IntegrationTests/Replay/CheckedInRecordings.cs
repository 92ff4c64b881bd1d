using System.Text.RegularExpressions;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Replay;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// The recordings checked in under Replay/Recordings (docs/VERSIONING.md): per shipped workflow one real governed run,
/// as its Durable history (<c>&lt;workflow&gt;.history.json</c>, a RecordedRun) and its exported evidence bundle
/// (<c>&lt;workflow&gt;.evidence.json</c>), and the public key the bundles verify with. A history kept from older code,
/// for runs that may still be in flight, is <c>&lt;workflow&gt;.&lt;label&gt;.history.json</c>.
/// </summary>
internal static partial class CheckedInRecordings
{
    /// <summary>The trait of the recorder, so normal runs filter it out and <c>./build.sh record-histories</c> selects it.</summary>
    public const string RecorderCategory = "RecordHistories";

    /// <summary>Set to 1 to record (the recorder's test exists only then).</summary>
    public const string RecordVariable = "AGENTOPS_RECORD_HISTORIES";

    public const string PublicKeyFile = "evidence-public.pem";

    public const string HistorySuffix = ".history.json";

    public const string EvidenceSuffix = ".evidence.json";

    /// <summary>Where the recorder writes (the source tree, to be committed).</summary>
    public static string SourceFolder => Path.Combine(RepoPaths.Root, "tests", "DurableAgentOps.IntegrationTests", "Replay", "Recordings");

    /// <summary>Where the guard reads (the build copies the source folder here).</summary>
    public static string OutputFolder => Path.Combine(AppContext.BaseDirectory, "Replay", "Recordings");

    public static bool RecordingRequested => Environment.GetEnvironmentVariable(RecordVariable) == "1";

    /// <summary>The workflows the repository ships: every workflow file of workflows/, by the name it declares.</summary>
    public static IReadOnlyList<string> ShippedWorkflows() =>
        [.. WorkflowFolder.Load(Path.Combine(RepoPaths.Root, "workflows")).Workflows.Select(w => w.Definition?.Name ?? Path.GetFileName(w.File))];

    public static string HistoryFile(string workflow) => workflow + HistorySuffix;

    public static string EvidenceFile(string workflow) => workflow + EvidenceSuffix;

    /// <summary>
    /// Seed values the recorded runs read at their workflows' <c>evidence.redact</c> paths (DevServices' sample data):
    /// none may appear in clear in a recording. Written without characters JSON may escape (the '+' of a phone).
    /// </summary>
    public static IReadOnlyDictionary<string, string[]> RedactedValues { get; } = new Dictionary<string, string[]>
    {
        ["crm-followup"] = ["transcript of ACC-000002 call 4"],                       // call.transcript
        ["crm-call-note"] = ["transcript of ACC-000002 call 4"],                      // call.transcript
        ["invoice-exceptions"] = ["NL861234567B01", "NL91 ABNA 0417 1643 00"],        // invoice.vendorTaxId, invoice.vendorBankAccount
        ["support-routing"] = ["ap@northwind.example", "20 5550 2399"],               // ticket.customerEmail, ticket.customerPhone
    };

    /// <summary>Today's code against the run, with the run's own definition: only code changes can show.</summary>
    public static ReplayReport ReplayWithItsOwnDefinition(RecordedRun run) =>
        Replayer.Replay(run, new ReplayOptions { UseRecordedDefinition = true });

    /// <summary>The bundle's records as a recording, as <c>POST /api/replay</c> reads a bundle (after it verified).</summary>
    public static RecordedRun FromBundle(string bundleText)
    {
        Assert.True(EvidenceBundle.TryParse(bundleText, out var bundle, out var error), error);
        return RecordedRun.FromEvidence(bundle.Records.Select(r => r.Record!), bundle.Payloads);
    }

    /// <summary>What must never be in a recording, whoever made it: a redacted value in clear, a bearer token, a private key.</summary>
    public static List<string> LeaksIn(string workflow, string text)
    {
        var leaks = RedactedValues.GetValueOrDefault(workflow, []).Where(v => text.Contains(v, StringComparison.Ordinal))
            .Select(v => $"the redacted value '{v}' in clear").ToList();
        leaks.AddRange(Jwt().Matches(text).Select(m => $"a token '{m.Value[..Math.Min(24, m.Value.Length)]}…'"));
        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            leaks.Add("a private key");
        }

        return leaks;
    }

    /// <summary>A JWT: three base64url parts, the first two JSON objects ("eyJ"). Base64 payloads of a bundle have no dots.</summary>
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")]
    private static partial Regex Jwt();
}
