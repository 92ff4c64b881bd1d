using System.Security.Claims;
using System.Text.Json.Nodes;
using DurableAgentOps.Api.Diagnostics;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api.Systems;

/// <summary>
/// <c>agentops systems check</c> on the host: the declarations this host would run with (its workflow folder's
/// systems/), proven against the live systems under the identities attached to this host, where a run would call them.
/// Administrators only: each read is a real call under a reader identity, outside any run, and is logged with who asked.
/// </summary>
internal static class SystemEndpoints
{
    /// <summary>At most this many values may be given (each a run-data path and a string).</summary>
    public const int MaxValues = 50;

    public static IReadOnlyList<ApiEndpoint> All { get; } =
    [
        new("CheckSystems", "POST", "/api/systems/check", AgentOpsPolicies.Administrator, CheckAsync, new GuardedAction("checking systems")),
    ];

    /// <summary>
    /// <c>POST /api/systems/check</c> with <c>{"system": "crm", "values": {"input.accountId": "ACC-000001"}}</c> (both
    /// optional): 200 with <c>{environment, proven, items: [...]}</c>; 400 for bad values or an undeclared system; 409 when
    /// the deployed declarations do not validate.
    /// </summary>
    private static async Task<IResult> CheckAsync(
        HttpRequest request, ClaimsPrincipal user, [FromServices] SystemChecker checker, [FromServices] WorkflowCatalog catalog, [FromServices] HostGovernance host,
        [FromServices] ILoggerFactory logs, CancellationToken ct)
    {
        var (body, invalid) = await JsonBody.ReadObjectAsync(request, ct, "system", "values");
        if (invalid is not null)
        {
            return invalid;
        }

        string? system = null;
        if (body!["system"] is { } named && (named is not JsonValue v || !v.TryGetValue(out system) || !OperationName.TryParse($"{system}.x.read", out _)))
        {
            return ApiResults.BadRequest("'system' must be the name of a declared system (letters, digits, '-' or '_').");
        }

        var values = new JsonObject();
        if (body["values"] is { } given)
        {
            if (given is not JsonObject pairs || pairs.Count > MaxValues)
            {
                return ApiResults.BadRequest($"'values' must be an object of at most {MaxValues} run-data paths and their values, e.g. {{\"input.accountId\": \"ACC-000001\"}}.");
            }

            foreach (var (path, value) in pairs)
            {
                if (!PathTemplate.IsDataPath(path) || path.Split('.').Length < 2)
                {
                    return ApiResults.BadRequest($"values: '{JsonBody.Bounded(path)}' is not a run-data path such as input.accountId.");
                }

                if (value is not JsonValue text || !text.TryGetValue<string>(out var s) || s.Length is 0 or > 1024)
                {
                    return ApiResults.BadRequest($"values: '{path}' must be a string of 1 to 1024 characters.");
                }

                Set(values, path, s);
            }
        }

        var loaded = WorkflowLoader.LoadCatalogue(Path.Combine(catalog.Folder, WorkflowLoader.CatalogueFileName));
        if (loaded.Findings.Any(f => f.IsError))
        {
            return Results.Problem($"the deployed identities.yaml or systems/ do not validate: {string.Join("; ", loaded.Findings.Where(f => f.IsError).Take(5).Select(f => f.ToString()))}",
                statusCode: 409, title: "Declarations do not validate.");
        }

        var declared = loaded.Catalogue.Declarations ?? [];
        if (system is not null && declared.All(d => d.System != system))
        {
            return ApiResults.BadRequest($"no system '{system}' is declared in systems/ on this host (declared: {string.Join(", ", declared.Select(d => d.System))}).");
        }

        var report = await checker.CheckAsync(loaded.Catalogue, host.IdentitiesEnvironment, system, values, ct);
        logs.CreateLogger("DurableAgentOps.Api.Systems").SystemsChecked(system ?? "(all)", report.ReadsCalled, report.Proven, user.ToCaller().Id);
        return ApiResults.Json(new { environment = report.Environment, proven = report.Proven, items = report.Items });
    }

    /// <summary>Puts <paramref name="value"/> at a dotted path, creating the objects on the way.</summary>
    private static void Set(JsonObject root, string path, string value)
    {
        var parts = path.Split('.');
        var node = root;
        foreach (var part in parts[..^1])
        {
            if (node[part] is not JsonObject child)
            {
                child = [];
                node[part] = child;
            }

            node = child;
        }

        node[parts[^1]] = value;
    }
}
