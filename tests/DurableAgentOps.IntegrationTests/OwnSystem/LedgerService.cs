using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DurableAgentOps.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.IntegrationTests.OwnSystem;

/// <summary>One request as the ledger saw it: who called (the token's client id and identity name), what, and its answer.</summary>
internal sealed record LedgerRequest(string Method, string Path, string? ClientId, string? Identity, string? IdempotencyKey, int Status, string? Body);

/// <summary>
/// A small REST service of "a team's own": written here, unknown to the product and to DevServices. It trusts
/// workload tokens from the DevServices identity endpoint (signature from its JWKS, issuer, audience), authorizes
/// each route by the token's roles, and keeps a request log. Entries are read wrapped (<c>{"entry": {...}}</c>) and
/// adjustments take their idempotency key from <c>X-Request-Id</c>, so the declaration has to say so.
/// </summary>
internal sealed class LedgerService : IAsyncDisposable
{
    public const string Audience = "api://durableagentops/ledger";

    /// <summary>An entry the ledger refuses, with an error body that carries record data (a careless system's 403).</summary>
    public const string RefusedEntry = "E-0403";

    /// <summary>An entry migrated from an older ledger: its amount is a string, not the number the declaration says.</summary>
    public const string LegacyEntry = "E-0009";

    /// <summary>The payee account every entry carries: sensitive in the test's declaration, so no run may keep it in clear.</summary>
    public const string PayeeAccount = "GB33BUKB20201555555555";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<LedgerRequest> requests = new();
    private readonly ConcurrentDictionary<string, JsonObject> adjustments = new(StringComparer.Ordinal);

    private LedgerService(WebApplication app) => this.app = app;

    public string BaseUrl => app.Urls.First();

    public IReadOnlyList<LedgerRequest> Requests => [.. requests];

    public IReadOnlyCollection<JsonObject> Adjustments => [.. adjustments.Values];

    public static async Task<LedgerService> StartAsync(string identityBaseUrl)
    {
        var tokens = await WorkloadTokenCheck.CreateAsync(identityBaseUrl, Audience);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var service = new LedgerService(app);
        app.MapGet("/api/v2/entries/{id}", (string id, HttpContext http) => service.Handle(http, tokens, "entries.read", _ =>
            id == RefusedEntry
                ? Results.Json(new { error = $"entry {id} is restricted", payee = PayeeAccount }, statusCode: StatusCodes.Status403Forbidden)
                : id == LegacyEntry
                ? Results.Json(new { entry = new { id, region = "emea", amount = "120.50", memo = "migrated", payeeAccount = PayeeAccount } })
                : id.StartsWith("E-", StringComparison.Ordinal)
                ? Results.Json(new { entry = new { id, region = id == "E-0002" ? "amer" : "emea", amount = 120.5, memo = "duplicate freight charge", payeeAccount = PayeeAccount }, etag = "W/1" })
                : Results.NotFound()));
        app.MapPost("/api/v2/entries/{id}/adjustments", (string id, HttpContext http) => service.Handle(http, tokens, "adjustments.create", body =>
        {
            var key = http.Request.Headers["X-Request-Id"].ToString();
            if (key.Length == 0 || body is null)
            {
                return Results.BadRequest(new { error = "X-Request-Id and a JSON body are required" });
            }

            var adjustment = service.adjustments.GetOrAdd(key, _ => new JsonObject { ["entryId"] = id, ["amount"] = body["amount"]?.DeepClone(), ["memo"] = body["memo"]?.DeepClone() });
            return Results.Json(adjustment, statusCode: StatusCodes.Status201Created);
        }));
        await app.StartAsync();
        return service;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task<IResult> Handle(HttpContext http, WorkloadTokenCheck tokens, string role, Func<JsonObject?, IResult> answer)
    {
        var body = http.Request.HasJsonContentType() ? await JsonNode.ParseAsync(http.Request.Body) : null;
        var caller = await tokens.ValidateAsync(http.Request.Headers.Authorization.FirstOrDefault());
        var outcome = caller is null ? Results.Unauthorized()
            : caller.Roles.Contains(role) ? answer(body as JsonObject)
            : Results.StatusCode(StatusCodes.Status403Forbidden);
        var (clientId, identity) = (caller?.ClientId, caller?.Identity);
        var status = outcome is IStatusCodeHttpResult { StatusCode: int code } ? code : StatusCodes.Status200OK;
        requests.Enqueue(new LedgerRequest(http.Request.Method, http.Request.Path.Value ?? string.Empty, clientId, identity,
            http.Request.Headers["X-Request-Id"].FirstOrDefault(), status, body?.ToJsonString()));
        return outcome;
    }
}
