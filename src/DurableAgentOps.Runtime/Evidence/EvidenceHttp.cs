using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Security;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// The investigators' API over the evidence ledger, written once for both hosts: search runs, read a run's evidence
/// as a verifiable bundle, read the log. Readers (and administrators) only: evidence names people and what they did.
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
        var (caller, refused) = await ReaderAsync(http);
        if (caller is null)
        {
            return refused!;
        }

        var q = http.Request.Query;
        if (!TryDate(q["since"], "since", out var since, out var bad) || !TryDate(q["until"], "until", out var until, out bad)
            || !TryInt(q["top"], "top", 50, 1, RunQuery.MaxTop, out var top, out bad) || !TryInt(q["skip"], "skip", 0, 0, int.MaxValue, out var skip, out bad))
        {
            return bad!;
        }

        string? Text(string name) => q[name].ToString() is { Length: > 0 and <= 200 } value ? value : null;
        var query = new RunQuery(Text("workflow"), Text("status"), Text("initiator"), Text("approver"), Text("identity"), Text("record"), Text("wrote"),
            since, until, top, skip);
        var ledger = http.RequestServices.GetRequiredService<EvidenceLedger>();
        var matches = (await ledger.SummariesAsync(ct)).Where(s => query.Matches(s.Summary)).ToList();
        var page = matches.Skip(skip).Take(top).Select(m => new { runId = m.RunId, m.Summary }).ToList();
        return Results.Json(new { total = matches.Count, skip, top, runs = page, next = skip + page.Count < matches.Count ? skip + page.Count : (int?)null }, Json);
    }

    /// <summary>401 without a caller, 403 without the reader or administrator role.</summary>
    internal static async Task<(Caller? Caller, IResult? Refusal)> ReaderAsync(HttpContext http)
    {
        var (caller, refused) = await RunHttp.AuthenticateAsync(http);
        if (caller is null)
        {
            return (null, refused);
        }

        return caller.IsInRole(AppRoles.Reader) || caller.IsInRole(AppRoles.Administrator)
            ? (caller, null)
            : (null, Results.Problem($"Evidence needs the app role {AppRoles.Reader} (or {AppRoles.Administrator}); {caller.Name} has neither.", statusCode: 403, title: "Not allowed."));
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
