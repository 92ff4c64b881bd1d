using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// The investigators' API over the evidence ledger: search runs, read a run's evidence and its verifiable bundle, read
/// and verify the log (Investigator policy: evidence names people and what they did); purge what is past its
/// retention (Administrator policy).
/// </summary>
internal static class EvidenceEndpoints
{
    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("SearchEvidence", "GET", "/api/evidence/runs", AgentOpsPolicies.Investigator, SearchAsync, new GuardedAction("Evidence")),
        new("EvidenceLog", "GET", "/api/evidence/log", AgentOpsPolicies.Investigator, LogAsync, new GuardedAction("Evidence")),
        new("EvidenceHead", "GET", "/api/evidence/head", AgentOpsPolicies.Investigator, HeadAsync, new GuardedAction("Evidence")),
        new("VerifyEvidence", "GET", "/api/evidence/verify", AgentOpsPolicies.Investigator, VerifyAsync, new GuardedAction("Evidence")),
        new("RunEvidence", "GET", "/api/runs/{runId}/evidence", AgentOpsPolicies.Investigator, RunAsync, new GuardedAction("Evidence")),
        new("RunEvidenceBundle", "GET", "/api/runs/{runId}/evidence/bundle", AgentOpsPolicies.Investigator, BundleAsync, new GuardedAction("Evidence")),
        new("PurgeRunEvidence", "DELETE", "/api/runs/{runId}/evidence", AgentOpsPolicies.Administrator, PurgeAsync, new GuardedAction("Purging evidence")),
        new("PurgeExpiredEvidence", "POST", "/api/evidence/purge", AgentOpsPolicies.Administrator, PurgeExpiredAsync, new GuardedAction("Purging evidence")),
    ];

    /// <summary>
    /// <c>GET /api/evidence/runs?workflow=&amp;status=&amp;initiator=&amp;approver=&amp;identity=&amp;record=&amp;wrote=&amp;governanceOff=&amp;since=&amp;until=&amp;top=&amp;next=</c>:
    /// a page of matching runs, newest first; <c>next</c> (null when the search is done) continues it. A page reads at
    /// most <see cref="RunQuery.MaxScanned"/> rows of the index, so it may hold fewer than <c>top</c> runs and still a <c>next</c>.
    /// </summary>
    private static async Task<IResult> SearchAsync(HttpRequest request, [FromServices] EvidenceLedger ledger, CancellationToken ct)
    {
        var q = request.Query;
        if (q.ContainsKey("skip"))
        {
            return ApiResults.BadRequest("'skip' is not taken: pages continue with 'next', the value the previous page answered.");
        }

        if (!TryDate(q["since"], "since", out var since, out var bad) || !TryDate(q["until"], "until", out var until, out bad)
            || !TryInt(q["top"], "top", 50, 1, RunQuery.MaxTop, out var top, out bad))
        {
            return bad!;
        }

        foreach (var name in new[] { "workflow", "status", "initiator", "approver", "identity", "record", "wrote", "governanceOff" })
        {
            if (q[name].ToString().Length > 200)
            {
                return ApiResults.BadRequest($"'{name}' is longer than 200 characters.");
            }
        }

        string? after = null;
        if (q["next"].ToString() is { Length: > 0 } token && (after = ReadSearchToken(token)) is null)
        {
            return ApiResults.BadRequest("'next' is not a page token of this search: pass the 'next' value of the previous page as it was given.");
        }

        string? Text(string name) => q[name].ToString() is { Length: > 0 } value ? value : null;
        var query = new RunQuery(Text("workflow"), Text("status"), Text("initiator"), Text("approver"), Text("identity"), Text("record"), Text("wrote"),
            since, until, top, Text("governanceOff"));
        var (runs, last, scanned) = await ledger.SearchAsync(query, after, top, RunQuery.MaxScanned, ct);
        var next = last is null ? null : PageTokens.Encode(SearchTokenPrefix, last);
        return Results.Json(new { top, scanned, runs = runs.Select(m => new { runId = m.RunId, m.Summary, index = m.Seal, indexSignature = m.SealSignature }), next }, ApiJson.Options);
    }

    private const string SearchTokenPrefix = "r1.";

    private static string? ReadSearchToken(string token) =>
        PageTokens.Decode(SearchTokenPrefix, token) is { } key && EvidenceLedger.IsTimeRow(key) ? key : null;

    /// <summary><c>GET /api/runs/{runId}/evidence</c>: the run's stored records, signed head and index row, and their verification.</summary>
    private static async Task<IResult> RunAsync(string runId, [FromServices] EvidenceService evidence, CancellationToken ct)
    {
        if (ApiResults.InvalidId(runId, "runId") is { } bad)
        {
            return bad;
        }

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
        }, ApiJson.Options);
    }

    /// <summary><c>GET /api/runs/{runId}/evidence/bundle</c>: the export bundle, byte for byte as it verifies.</summary>
    private static async Task<IResult> BundleAsync(string runId, HttpResponse response, [FromServices] EvidenceService evidence, CancellationToken ct)
    {
        if (ApiResults.InvalidId(runId, "runId") is { } bad)
        {
            return bad;
        }

        var (bundle, problem) = await evidence.BundleAsync(runId, ct);
        if (bundle is null)
        {
            return problem is null ? NoEvidence(runId) : Results.Problem(problem, statusCode: 409, title: "Not exportable yet.");
        }

        response.Headers.ContentDisposition = $"attachment; filename=\"{runId}.evidence.json\"";
        return Results.Text(bundle.ToJson(), "application/json", Encoding.UTF8);
    }

    /// <summary><c>GET /api/evidence/log</c>: every leaf, the signed tree head and the public key it verifies with.</summary>
    private static async Task<IResult> LogAsync([FromServices] EvidenceService evidence, CancellationToken ct)
    {
        var log = await evidence.ReadLogAsync(ct);
        var key = await evidence.PublicKeyAsync(ct);
        return Results.Json(new
        {
            leaves = log.Leaves.Select(l => l.ToCanonicalJson()),
            treeHead = log.Head?.ToCanonicalJson(),
            treeHeadSignature = log.HeadSignature,
            keyId = key.KeyId,
            publicKey = key.ToPem(),
        }, ApiJson.Options);
    }

    /// <summary>
    /// <c>GET /api/evidence/head[?from=M][&amp;anchored=true]</c>: the signed tree head (the file an investigator keeps), the
    /// key, the RFC 9162 consistency proof from the tree of M leaves to it (null when the log holds fewer: rolled back),
    /// the latest anchored head, and with <c>anchored=true</c> every leaf the anchor store keeps.
    /// </summary>
    private static async Task<IResult> HeadAsync(HttpRequest request, [FromServices] EvidenceService evidence, CancellationToken ct)
    {
        long? from = null;
        if (request.Query["from"].ToString() is { Length: > 0 } text)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                return ApiResults.BadRequest("'from' must be the size of a tree head you kept: a whole number from 0.");
            }

            from = size;
        }

        if (!TryFlag(request.Query.TryGetValue("anchored", out var flagText) ? flagText.ToString() : null, "anchored", out var withLeaves, out var bad))
        {
            return bad!;
        }

        var head = await evidence.HeadAsync(from, withLeaves, ct);
        var log = head.Log;
        var answer = new JsonObject
        {
            ["treeHead"] = log.Head is { } tree && log.HeadSignature is { } signature ? new SignedTreeHead(tree, signature, head.Key.KeyId).ToJsonObject() : null,
            ["keyId"] = head.Key.KeyId,
            ["publicKey"] = head.Key.ToPem(),
            ["consistency"] = head.Proof is { } proof
                ? new JsonObject { ["oldSize"] = proof.OldSize, ["newSize"] = proof.NewSize, ["path"] = new JsonArray([.. proof.Path.Select(p => (JsonNode)p)]) }
                : null,
            ["anchored"] = head.Anchor?.Signed.ToJsonObject(),
            ["anchoredLeaves"] = new JsonArray([.. head.AnchoredLeaves.Select(l => (JsonNode)new JsonObject { ["index"] = l.Index, ["leaf"] = l.ToCanonicalJson() })]),
        };
        return Results.Text(answer.ToJsonString(), "application/json", Encoding.UTF8);
    }

    /// <summary><c>GET /api/evidence/verify[?run=]</c>: the host's own verification of one run or of the whole log.</summary>
    private static async Task<IResult> VerifyAsync(HttpRequest request, [FromServices] EvidenceService evidence, CancellationToken ct)
    {
        if (request.Query["run"].ToString() is { Length: > 0 } runId)
        {
            if (ApiResults.InvalidId(runId, "run") is { } bad)
            {
                return bad;
            }

            return await evidence.VerifyRunAsync(runId, ct) is { } one ? Results.Json(Describe(one), ApiJson.Options) : NoEvidence(runId);
        }

        var (report, breaks, notes) = await evidence.VerifyAllAsync(ct);
        return Results.Json(new
        {
            intact = breaks.Count == 0,
            runsVerified = report.RunsVerified,
            purged = report.Purged,
            breaks = breaks.Select(Describe),
            notes,
        }, ApiJson.Options);
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
    private static async Task<IResult> PurgeAsync(string runId, HttpRequest request, [FromServices] EvidenceService evidence, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if (ApiResults.InvalidId(runId, "runId") is { } badId)
        {
            return badId;
        }

        if (!TryFlag(request.Query.TryGetValue("dryRun", out var flagText) ? flagText.ToString() : null, "dryRun", out var dryRun, out var bad))
        {
            return bad!;
        }

        var decision = await evidence.PurgeAsync(runId, dryRun, ct);
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

        return Results.Json(new { decision.RunId, decision.Purged, dryRun, historyPurged, decision.Reason, decision.Retention, decision.KeptUntil }, ApiJson.Options);
    }

    /// <summary><c>POST /api/evidence/purge[?dryRun=true]</c>: purges every run whose retention has passed; lists the rest with why they stay.</summary>
    private static async Task<IResult> PurgeExpiredAsync(HttpRequest request, [FromServices] EvidenceService evidence, [FromServices] DurableTaskClient client, CancellationToken ct)
    {
        if (!TryFlag(request.Query.TryGetValue("dryRun", out var flagText) ? flagText.ToString() : null, "dryRun", out var dryRun, out var bad))
        {
            return bad!;
        }

        var decisions = await evidence.PurgeExpiredAsync(dryRun, ct);
        foreach (var purged in decisions.Where(d => d.Purged))
        {
            await client.PurgeInstanceAsync(purged.RunId, ct);
        }

        return Results.Json(new
        {
            dryRun,
            purged = decisions.Where(d => d.Allowed).Select(d => new { d.RunId, d.Reason, d.Retention, d.KeptUntil }),
            kept = decisions.Where(d => !d.Allowed).Select(d => new { d.RunId, d.Reason, d.Retention, d.KeptUntil }),
        }, ApiJson.Options);
    }


    private static bool TryFlag(string? text, string name, out bool value, out IResult? bad)
    {
        bad = null;
        value = false;
        if (text is null || bool.TryParse(text, out value))
        {
            return true; // absent: false; present, it must say which (an empty dryRun= must not purge)
        }

        bad = ApiResults.BadRequest($"'{name}' must be true or false.");
        return false;
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

        bad = ApiResults.BadRequest($"'{name}' must be a date or time (ISO 8601, e.g. 2026-11-01 or 2026-11-01T12:00:00Z).");
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

        bad = ApiResults.BadRequest($"'{name}' must be a whole number from {min} to {max}.");
        return false;
    }
}
