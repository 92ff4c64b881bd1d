using DurableAgentOps.Core.Model;
using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>
/// The App Service managed-identity protocol (IDENTITY_ENDPOINT / IDENTITY_HEADER), so Azure.Identity's real
/// ManagedIdentityCredential runs against it, plus the OpenID metadata and JWKS the sample systems and the
/// Graph-shaped directory trust. Resources: a catalogue system (api://durableagentops/crm), or Microsoft Graph
/// for the directory readers only.
/// </summary>
internal static class IdentityEndpoint
{
    public const string TokenPath = "/msi/token";
    public const string ApiVersion = "2019-08-01";
    public const string HeaderName = "X-IDENTITY-HEADER";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(TokenPath, GetToken);
        endpoints.MapGet("/.well-known/openid-configuration", (IOptions<DevServicesOptions> options) =>
        {
            var issuer = options.Value.Issuer;
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["jwks_uri"] = issuer + ".well-known/jwks.json",
                ["token_endpoint"] = issuer + TokenPath.TrimStart('/'),
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
                ["token_endpoint_auth_methods_supported"] = new[] { "identity_header" },
                ["response_types_supported"] = new[] { "token" },
                ["subject_types_supported"] = new[] { "public" },
                ["claims_supported"] = new[] { "iss", "aud", "sub", "appid", "idn", "roles", "xms_records", "xms_fields", "iat", "nbf", "exp", "jti" },
            }, DevJson.Options);
        });
        endpoints.MapGet("/.well-known/jwks.json", (SigningKey key) => Results.Text(key.JwksJson, "application/json"));
        endpoints.MapGet("/_dev/token-requests", (TokenRequestCounter counter) =>
            Results.Json(counter.Snapshot().Cast<object>().Concat(counter.Grants()).ToList(), DevJson.Options));
        endpoints.MapDelete("/_dev/token-requests", (TokenRequestCounter counter) =>
        {
            counter.Clear();
            return Results.NoContent();
        });
    }

    private static IResult GetToken(
        HttpRequest request, IdentityDirectory directory, TokenIssuer issuer, TokenRequestCounter counter, IdentityHeaderSecret secret,
        IOptions<DevServicesOptions> options, ILogger<TokenIssuer> logger)
    {
        var header = request.Headers[HeaderName].ToString();
        if (header.Length == 0)
        {
            return Refuse(logger, StatusCodes.Status401Unauthorized, "unauthorized", $"the {HeaderName} header is missing", null);
        }

        if (!secret.Matches(header))
        {
            return Refuse(logger, StatusCodes.Status401Unauthorized, "unauthorized", $"the {HeaderName} header does not match IDENTITY_HEADER", null);
        }

        string? apiVersion = request.Query["api-version"], resource = request.Query["resource"], clientId = request.Query["client_id"];
        if (apiVersion != ApiVersion)
        {
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request", $"api-version '{apiVersion}' is not supported; use {ApiVersion}", clientId);
        }

        var prefix = options.Value.AudiencePrefix;
        var system = resource is not null && resource.StartsWith(prefix, StringComparison.Ordinal) ? resource[prefix.Length..] : null;
        var graph = resource == TokenIssuer.GraphResource;
        var exchange = resource == TokenIssuer.TokenExchangeAudience;
        if (!graph && !exchange && (system is null || !directory.IsSystem(system)))
        {
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_resource", $"resource '{resource}' is not a system of the catalogue ({prefix}<system>), {TokenIssuer.GraphResource} or {TokenIssuer.TokenExchangeAudience}", clientId);
        }

        counter.Requested(clientId ?? string.Empty, resource!);
        if (string.IsNullOrEmpty(clientId))
        {
            // Every step runs as a user-assigned identity; there is no system-assigned one to fall back to.
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request", "client_id is required: only user-assigned identities exist here", clientId);
        }

        var app = secret.AppOf(header);
        if (graph)
        {
            return app == CallingApp.Writer
                ? Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request", $"Identity not found: {clientId} is not assigned to the writer app", clientId)
                : GetGraphToken(clientId, directory, issuer, counter, options.Value, logger);
        }

        if (exchange)
        {
            return app == CallingApp.Writer
                ? Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request", $"Identity not found: {clientId} is not assigned to the writer app", clientId)
                : GetExchangeToken(clientId, request.HttpContext.RequestServices.GetService<DevDirectory>(), issuer, counter, logger);
        }

        var identity = directory.Find(clientId);
        if (identity is null)
        {
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request", $"Identity not found: {clientId}", clientId);
        }

        if (identity.Definition.IsDelegated)
        {
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request",
                $"client id {clientId} ({identity.Name}) acts for people: it has no token of its own; it gets tokens through the on-behalf-of flow", clientId);
        }

        // As Azure attaches identities to apps: with a writer configured, a writer identity to the writer alone, and
        // every other one to the main app alone.
        if (secret.PerApp && (identity.Definition.App == IdentityApp.Writer) != (app == CallingApp.Writer))
        {
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_request",
                $"Identity not found: {clientId} ({identity.Name}) is not assigned to the {(app == CallingApp.Writer ? "writer" : "main")} app; it is attached to the {(app == CallingApp.Writer ? "main app" : "writer")}", clientId);
        }

        var token = issuer.Issue(identity, resource!, system!);
        counter.Issued(identity.ClientId, resource!);
        logger.WorkloadTokenIssued(identity.ClientId, identity.Name, resource!);
        return Answer(token, resource!, identity.ClientId);
    }

    /// <summary>Only the directory readers (the host's own identity) may read the directory; no catalogue grant applies.</summary>
    private static IResult GetGraphToken(string clientId, IdentityDirectory directory, TokenIssuer issuer, TokenRequestCounter counter, DevServicesOptions options, ILogger logger)
    {
        var reader = options.DirectoryReaders.FirstOrDefault(r => string.Equals(r, clientId, StringComparison.OrdinalIgnoreCase));
        if (reader is null)
        {
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_resource",
                $"client id {clientId} may not get tokens for {TokenIssuer.GraphResource}: only {DevServicesOptions.Section}:DirectoryReaderClientIds ({string.Join(", ", options.DirectoryReaders)}) read the directory",
                clientId);
        }

        var name = directory.Find(reader)?.Name;
        var token = issuer.IssueDirectoryReader(reader, name);
        counter.Issued(reader, TokenIssuer.GraphResource);
        logger.WorkloadTokenIssued(reader, name ?? "directory reader", TokenIssuer.GraphResource);
        return Answer(token, TokenIssuer.GraphResource, reader);
    }

    /// <summary>
    /// A token for api://AzureADTokenExchange: what a managed identity presents as a delegating app's client assertion
    /// (a federated identity credential). Only for a managed identity some delegating app trusts.
    /// </summary>
    private static IResult GetExchangeToken(string clientId, DevDirectory? people, TokenIssuer issuer, TokenRequestCounter counter, ILogger logger)
    {
        var app = people?.FederatedBy(clientId);
        if (app is null)
        {
            var trusted = people is null || people.DelegatingApps.Count == 0 ? "none" : string.Join(", ", people.DelegatingApps.Select(a => $"{a.FederatedIdentity} ({a.Name})"));
            return Refuse(logger, StatusCodes.Status400BadRequest, "invalid_resource",
                $"client id {clientId} may not get tokens for {TokenIssuer.TokenExchangeAudience}: it is no delegating app's federatedIdentity (directory.yaml delegatingApps: {trusted})", clientId);
        }

        var token = issuer.IssueExchange(app.FederatedIdentity);
        counter.Issued(app.FederatedIdentity, TokenIssuer.TokenExchangeAudience);
        logger.ExchangeTokenIssued(app.FederatedIdentity, TokenIssuer.TokenExchangeAudience, app.Name);
        return Answer(token, TokenIssuer.TokenExchangeAudience, app.FederatedIdentity);
    }

    private static IResult Answer(IssuedToken token, string resource, string clientId) =>
        Results.Json(new Dictionary<string, string>
        {
            ["access_token"] = token.Value,
            ["expires_on"] = token.ExpiresOn.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = clientId,
        }, DevJson.Options);

    private static IResult Refuse(ILogger logger, int status, string error, string description, string? clientId)
    {
        logger.WorkloadTokenRefused(status, clientId ?? "(none)", description);
        return Results.Json(new Dictionary<string, string> { ["error"] = error, ["error_description"] = description }, DevJson.Options, statusCode: status);
    }
}
