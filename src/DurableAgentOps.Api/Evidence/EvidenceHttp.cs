using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableAgentOps.Api.Runs;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// The investigators' API over the evidence ledger, written once for both hosts: search runs, read a run's evidence
/// as a verifiable bundle, read the log. Investigators (and administrators) only: evidence names people and what they did.
/// </summary>
public static class EvidenceHttp
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary><c>GET /api/evidence/runs?workflow=&amp;status=&amp;initiator=&amp;approver=&amp;identity=&amp;record=&amp;wrote=&amp;since=&amp;until=&amp;top=&amp;skip=</c></summary>
    public static async Task<IResult> SearchAsync(HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (await RefusedAsync(http, InvestigatorAsync) is { } refused)
        {
            return refused;
        }

        var q = http.Request.Query;
        if (!TryDate(q["since"], "since", out var since, out var bad) || !TryDate(q["until"], "until", out var until, out bad)
            || !TryInt(q["top"], "top", 50, 1, RunQuery.MaxTop, out var top, out bad) || !TryInt(q["skip"], "skip", 0, 0, int.MaxValue, out var skip, out bad))
        {
            return bad!;
        }

        foreach (var name in new[] { "workflow", "status", "initiator", "approver", "identity", "record", "wrote" })
        {
            if (q[name].ToString().Length > 200)
            {
                return RunHttp.BadRequest($"'{name}' is longer than 200 characters.");
            }
        }

        string? Text(string name) => q[name].ToString() is { Length: > 0 } value ? value : null;
        var query = new RunQuery(Text("workflow"), Text("status"), Text("initiator"), Text("approver"), Text("identity"), Text("record"), Text("wrote"),
            since, until, top, skip);
        var ledger = http.RequestServices.GetRequiredService<EvidenceLedger>();
        var matches = (await ledger.SummariesAsync(ct)).Where(s => query.Matches(s.Summary)).ToList();
        var page = matches.Skip(skip).Take(top).Select(m => new { runId = m.RunId, m.Summary }).ToList();
        return Results.Json(new { total = matches.Count, skip, top, runs = page, next = skip + page.Count < matches.Count ? skip + page.Count : (int?)null }, Json);
    }

    /// <summary><c>GET /api/runs/{runId}/evidence</c>: the run's stored records, signed head and index row, and their verification.</summary>
    public static async Task<IResult> RunAsync(HttpContext http, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (await RefusedAsync(http, InvestigatorAsync, runId) is { } refused)
        {
            return refused;
        }

        var evidence = http.RequestServices.GetRequiredService<EvidenceService>();
        var (stored, verification) = await evidence.ReadVerifiedAsync(runId, ct);
        if (verification is null)
        {
            return NoEvidence(runId);
        }

        return Results.Json(new
        {
            runId,
            records = stored?.Records.Select(r => new { json = r.Json, hash = r.StoredHash }) ?? [],
            head = stored?.Head?.ToCanonicalJson(),
            headSignature = stored?.HeadSignature,
            summary = stored?.Summary,
            verification = Describe(verification),
        }, Json);
    }

    /// <summary><c>GET /api/runs/{runId}/evidence/bundle</c>: the export bundle, byte for byte as it verifies.</summary>
    public static async Task<IResult> BundleAsync(HttpContext http, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (await RefusedAsync(http, InvestigatorAsync, runId) is { } refused)
        {
            return refused;
        }

        var (bundle, problem) = await http.RequestServices.GetRequiredService<EvidenceService>().BundleAsync(runId, ct);
        if (bundle is null)
        {
            return problem is null ? NoEvidence(runId) : Results.Problem(problem, statusCode: 409, title: "Not exportable yet.");
        }

        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{runId}.evidence.json\"";
        return Results.Text(bundle.ToJson(), "application/json", System.Text.Encoding.UTF8);
    }

    /// <summary><c>GET /api/evidence/log</c>: every leaf, the signed tree head and the public key it verifies with.</summary>
    public static async Task<IResult> LogAsync(HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (await RefusedAsync(http, InvestigatorAsync) is { } refused)
        {
            return refused;
        }

        var evidence = http.RequestServices.GetRequiredService<EvidenceService>();
        var log = await evidence.ReadLogAsync(ct);
        var key = await evidence.PublicKeyAsync(ct);
        return Results.Json(new
        {
            leaves = log.Leaves.Select(l => l.ToCanonicalJson()),
            treeHead = log.Head?.ToCanonicalJson(),
            treeHeadSignature = log.HeadSignature,
            keyId = key.KeyId,
            publicKey = key.ToPem(),
        }, Json);
    }

    /// <summary><c>GET /api/evidence/verify[?run=]</c>: the host's own verification of one run or of the whole log.</summary>
    public static async Task<IResult> VerifyAsync(HttpContext http, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (await RefusedAsync(http, InvestigatorAsync) is { } refused)
        {
            return refused;
        }

        var evidence = http.RequestServices.GetRequiredService<EvidenceService>();
        if (http.Request.Query["run"].ToString() is { Length: > 0 } runId)
        {
            if (RunHttp.InvalidId(runId, "run") is { } bad)
            {
                return bad;
            }

            return await evidence.VerifyRunAsync(runId, ct) is { } one ? Results.Json(Describe(one), Json) : NoEvidence(runId);
        }

        var (report, breaks, notes) = await evidence.VerifyAllAsync(ct);
        return Results.Json(new
        {
            intact = breaks.Count == 0,
            runsVerified = report.RunsVerified,
            purged = report.Purged,
            breaks = breaks.Select(Describe),
            notes,
        }, Json);
    }

    /// <summary>The refusal for a caller without the role <paramref name="check"/> asks for, or for a bad run id; null when neither.</summary>
    private static async Task<IResult?> RefusedAsync(HttpContext http, Func<HttpContext, Task<(Caller? Caller, IResult? Refusal)>> check, string? runId = null)
    {
        var (caller, refused) = await check(http);
        return caller is null ? refused : runId is null ? null : RunHttp.InvalidId(runId, "runId");
    }

    internal static object Describe(RunVerification verification) => new
    {
        verification.RunId,
        intact = verification.IsIntact,
        verdict = verification.Verdict,
        breaks = verification.Breaks.Select(Describe),
        verification.Notes,
        verification.Purged,
    };

    private static object Describe(EvidenceProblem problem) => new { kind = problem.Kind, problem.Message, problem.RunId, problem.Seq };

    private static IResult NoEvidence(string runId) =>
        Results.Problem($"No evidence of run '{runId}': the ledger holds no record of it and the log names no such run.", statusCode: 404, title: "Not found.");

    /// <summary>
    /// <c>DELETE /api/runs/{runId}/evidence[?dryRun=true]</c>: deletes a run's evidence and Durable history once its
    /// retention has passed (administrators only); 409 with the reason and the date it is kept until before then.
    /// </summary>
    public static async Task<IResult> PurgeAsync(HttpContext http, DurableTaskClient client, string runId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(client);
        if (await RefusedAsync(http, AdministratorAsync, runId) is { } refused)
        {
            return refused;
        }

        if (!TryFlag(http.Request.Query.TryGetValue("dryRun", out var flagText) ? flagText.ToString() : null, "dryRun", out var dryRun, out var bad))
        {
            return bad!;
        }

        var decision = await http.RequestServices.GetRequiredService<EvidenceService>().PurgeAsync(runId, dryRun, ct);
        if (decision is null)
        {
            return NoEvidence(runId);
        }

        if (!decision.Allowed)
        {
            return Results.Problem($"The evidence of run {runId} is kept: {decision.Reason}.", statusCode: 409, title: "Retention not over.",
                extensions: new Dictionary<string, object?> { ["retention"] = decision.Retention, ["keptUntil"] = decision.KeptUntil });
        }

        var historyPurged = false;
        if (decision.Purged)
        {
            historyPurged = (await client.PurgeInstanceAsync(runId, ct)).PurgedInstanceCount > 0;
        }

        return Results.Json(new { decision.RunId, decision.Purged, dryRun, historyPurged, decision.Reason, decision.Retention, decision.KeptUntil }, Json);
    }

    /// <summary><c>POST /api/evidence/purge[?dryRun=true]</c>: purges every run whose retention has passed; lists the rest with why they stay.</summary>
    public static async Task<IResult> PurgeExpiredAsync(HttpContext http, DurableTaskClient client, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(client);
        if (await RefusedAsync(http, AdministratorAsync) is { } refused)
        {
            return refused;
        }

        if (!TryFlag(http.Request.Query.TryGetValue("dryRun", out var flagText) ? flagText.ToString() : null, "dryRun", out var dryRun, out var bad))
        {
            return bad!;
        }

        var decisions = await http.RequestServices.GetRequiredService<EvidenceService>().PurgeExpiredAsync(dryRun, ct);
        foreach (var purged in decisions.Where(d => d.Purged))
        {
            await client.PurgeInstanceAsync(purged.RunId, ct);
        }

        return Results.Json(new
        {
            dryRun,
            purged = decisions.Where(d => d.Allowed).Select(d => new { d.RunId, d.Reason, d.Retention, d.KeptUntil }),
            kept = decisions.Where(d => !d.Allowed).Select(d => new { d.RunId, d.Reason, d.Retention, d.KeptUntil }),
        }, Json);
    }

    /// <summary>401 without a caller, 403 without the administrator role (or the host's system key).</summary>
    internal static async Task<(Caller? Caller, IResult? Refusal)> AdministratorAsync(HttpContext http)
    {
        var (caller, refused) = await RunHttp.AuthenticateAsync(http);
        if (caller is null)
        {
            return (null, refused);
        }

        return caller.IsInRole(AppRoles.Administrator)
            ? (caller, null)
            : (null, Results.Problem($"Purging evidence needs the app role {AppRoles.Administrator}; {caller.Name} does not have it.", statusCode: 403, title: "Not allowed."));
    }

    private static bool TryFlag(string? text, string name, out bool value, out IResult? bad)
    {
        bad = null;
        value = false;
        if (text is null || bool.TryParse(text, out value))
        {
            return true; // absent: false; present, it must say which (an empty dryRun= must not purge)
        }

        bad = RunHttp.BadRequest($"'{name}' must be true or false.");
        return false;
    }

    /// <summary>401 without a caller, 403 without the investigator or administrator role.</summary>
    internal static async Task<(Caller? Caller, IResult? Refusal)> InvestigatorAsync(HttpContext http)
    {
        var (caller, refused) = await RunHttp.AuthenticateAsync(http);
        if (caller is null)
        {
            return (null, refused);
        }

        return caller.IsInRole(AppRoles.Investigator) || caller.IsInRole(AppRoles.Administrator)
            ? (caller, null)
            : (null, Results.Problem($"Evidence needs the app role {AppRoles.Investigator} (or {AppRoles.Administrator}); {caller.Name} has neither.", statusCode: 403, title: "Not allowed."));
    }

    private static bool TryDate(string? text, string name, out DateTimeOffset? value, out IResult? bad)
    {
        bad = null;
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        bad = RunHttp.BadRequest($"'{name}' must be a date or time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z).");
        return false;
    }

    private static bool TryInt(string? text, string name, int fallback, int min, int max, out int value, out IResult? bad)
    {
        bad = null;
        value = fallback;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
        {
            return true;
        }

        bad = RunHttp.BadRequest($"'{name}' must be a whole number from {min} to {max}.");
        return false;
    }
}
