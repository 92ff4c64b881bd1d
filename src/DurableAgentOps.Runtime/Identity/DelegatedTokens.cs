using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Identity.Client;
using Microsoft.Identity.Client.Extensibility;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>
/// Tokens that act for the person who started a run, through MSAL's long-running on-behalf-of flow: the run service
/// hands the person's own sign-in token over once, at start (<see cref="BeginAsync"/>); every delegated step after
/// that, however long its gate waited, gets a fresh token from the session MSAL keeps (<see cref="GetTokenAsync"/>),
/// without the person and without the token they signed in with. The acting app proves itself with a managed
/// identity's token (a federated credential), not with a secret the host keeps. What could be replayed (the refresh token
/// in the session) lives only in <see cref="DelegatedSessionStore"/>, encrypted, until the run ends.
/// </summary>
public sealed class DelegatedTokens(
    IOptions<DelegationOptions> options, DelegatedSessionStore sessions, IOptions<SystemsOptions> systems, ILogger<DelegatedTokens> logger)
{
    /// <summary>The audience of a managed identity's token that a federated credential accepts (Entra's, in every cloud).</summary>
    public const string FederationAudience = "api://AzureADTokenExchange/.default";

    private readonly ConcurrentDictionary<string, IConfidentialClientApplication> apps = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lazy<TokenCredential> federated = new(() => new ManagedIdentityCredential(
        ManagedIdentityId.FromUserAssignedClientId(options.Value.ManagedIdentityClientId ?? throw NotSetUp())));

    public bool Enabled => options.Value.Enabled;

    /// <summary>
    /// The delegated permissions a delegated identity asks for in one system: its grant's operations there, each as
    /// <c>&lt;system resource&gt;/&lt;operation&gt;</c>, so a reading identity's token cannot write even where the person could.
    /// </summary>
    public IReadOnlyList<string> ScopesFor(IdentityDefinition identity, string system, string? declaredResource = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var resource = systems.Value.For(system, declaredResource).Resource.TrimEnd('/');
        var prefix = system + ".";
        var operations = identity.GrantFor(system)?.Operations ?? [];
        return operations.Count == 0
            ? throw new StepRefusedException($"identity {identity.Name} acts for people and holds no grant in {system}: it has nothing to ask for")
            : [.. operations.Select(o => $"{resource}/{(o.StartsWith(prefix, StringComparison.Ordinal) ? o[prefix.Length..] : o)}")];
    }

    /// <summary>
    /// Opens the run's session for one acting app with the person's own token (the assertion), and checks that what
    /// came back acts for that person. Nothing of the assertion is kept but what MSAL keeps in the encrypted session.
    /// </summary>
    public async Task BeginAsync(
        string runId, string identity, string clientId, IReadOnlyList<string> scopes, string assertion, PrincipalRef initiator, CancellationToken cancellationToken)
    {
        var key = DelegatedSessionStore.SessionKey(runId, identity);
        AuthenticationResult result;
        try
        {
            result = await ((ILongRunningWebApi)App(clientId)).InitiateLongRunningProcessInWebApi(scopes, assertion, ref key).ExecuteAsync(cancellationToken);
        }
        catch (MsalException ex)
        {
            logger.DelegationRefused(runId, clientId, ex.ErrorCode);
            throw new DelegationException($"the sign-in authority would not let app {clientId} act for {initiator}: {Describe(ex)}");
        }

        var acted = Read(result.AccessToken, clientId);
        if (acted.SubjectId != initiator.Id)
        {
            await EndAsync(runId, identity, clientId, CancellationToken.None);
            throw new DelegationException($"the token app {clientId} got acts for {acted.SubjectId}, not for {initiator.Id} who starts the run");
        }

        logger.DelegationBegun(runId, clientId, initiator.Id);
    }

    /// <summary>
    /// A token for one delegated call, fresh when the one in the session is about to expire. A session that cannot be
    /// refreshed (the person's sessions revoked, the person disabled, consent withdrawn, the run's session gone) fails
    /// the step closed with the authority's reason; the call is never sent under another identity.
    /// </summary>
    public async Task<AccessToken> GetTokenAsync(DelegatedCall call, string system, string? declaredResource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var scopes = ScopesFor(call.Identity, system, declaredResource);
        AuthenticationResult result;
        try
        {
            // Always from the session's refresh token, never a cached access token: a person revoked while the run waited
            // is refused at the next delegated step, not an hour later.
            result = await ((ILongRunningWebApi)App(call.ClientId)).AcquireTokenInLongRunningProcess(scopes, DelegatedSessionStore.SessionKey(call.RunId, call.Identity.Name))
                .WithForceRefresh(true)
                .ExecuteAsync(cancellationToken);
        }
        catch (MsalServiceException ex) when (ex.StatusCode >= 500 || ex.StatusCode == 429)
        {
            throw new HttpRequestException($"the sign-in authority could not give {call.Identity.Name} a token acting for {call.Initiator} ({ex.StatusCode}): {Describe(ex)}");
        }
        catch (MsalException ex)
        {
            logger.DelegationRefused(call.RunId, call.ClientId, ex.ErrorCode);
            throw new StepRefusedException($"identity {call.Identity.Name} acts for {call.Initiator}, and the sign-in authority gave no token acting for that person: {Describe(ex)}; the step fails closed and nothing was sent");
        }

        var acted = Read(result.AccessToken, call.ClientId);
        if (acted.SubjectId != call.Initiator.Id)
        {
            throw new StepRefusedException($"identity {call.Identity.Name} got a token acting for {acted.SubjectId}, not for {call.Initiator.Id} who started the run: nothing was sent");
        }

        call.ActedFor = acted;
        return new AccessToken(result.AccessToken, result.ExpiresOn);
    }

    /// <summary>Ends a run's session of one identity: MSAL forgets it, and its encrypted row is deleted.</summary>
    public async Task EndAsync(string runId, string identity, string clientId, CancellationToken cancellationToken)
    {
        var key = DelegatedSessionStore.SessionKey(runId, identity);
        await ((ILongRunningWebApi)App(clientId)).StopLongRunningProcessInWebApiAsync(key, cancellationToken);
        await sessions.DeleteAsync(key, cancellationToken);
    }

    private IConfidentialClientApplication App(string clientId) => apps.GetOrAdd(clientId, id =>
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            throw NotSetUp();
        }

        // Entra-shaped authority, known to the host: no instance discovery against the public cloud.
        var app = ConfidentialClientApplicationBuilder.Create(id)
            .WithAuthority(settings.Authority!.ToString(), validateAuthority: false)
            .WithInstanceDiscovery(false)
            .WithClientAssertion(async (AssertionRequestOptions assertion) =>
                (await federated.Value.GetTokenAsync(new TokenRequestContext([FederationAudience]), assertion.CancellationToken)).Token)
            .Build();
        app.UserTokenCache.SetBeforeAccessAsync(LoadAsync);
        app.UserTokenCache.SetAfterAccessAsync(SaveAsync);
        return app;
    });

    private async Task LoadAsync(TokenCacheNotificationArgs args)
    {
        var cache = string.IsNullOrEmpty(args.SuggestedCacheKey) ? null : await sessions.ReadAsync(args.SuggestedCacheKey, args.CancellationToken);
        args.TokenCache.DeserializeMsalV3(cache, shouldClearExistingCache: true);
    }

    private async Task SaveAsync(TokenCacheNotificationArgs args)
    {
        if (!args.HasStateChanged || string.IsNullOrEmpty(args.SuggestedCacheKey))
        {
            return;
        }

        if (args.HasTokens)
        {
            await sessions.WriteAsync(args.SuggestedCacheKey, args.TokenCache.SerializeMsalV3(), args.CancellationToken);
        }
        else
        {
            await sessions.DeleteAsync(args.SuggestedCacheKey, args.CancellationToken);
        }
    }

    /// <summary>Whom a token acts for and which app acts, read from its claims (never kept or logged).</summary>
    internal static ActedFor Read(string accessToken, string clientId)
    {
        var parts = accessToken.Split('.');
        if (parts.Length != 3)
        {
            throw new StepRefusedException("the token acting for the person is not a JWT: whom it acts for cannot be told, so nothing is sent");
        }

        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var root = payload.RootElement;
        string? Claim(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var oid = Claim("oid") ?? throw new StepRefusedException("the token acting for the person names no person (oid): nothing is sent");
        var tid = Claim("tid");
        var actor = Claim("azp") ?? Claim("appid") ?? clientId;
        if (!string.Equals(actor, clientId, StringComparison.OrdinalIgnoreCase))
        {
            throw new StepRefusedException($"the token acting for the person was issued to app {actor}, not to {clientId} that asked for it: nothing is sent");
        }

        var name = Claim("name") ?? Claim("preferred_username") ?? oid;
        var subject = (string.IsNullOrEmpty(tid) ? oid : $"{tid}/{oid}").ToLowerInvariant();
        return new ActedFor(subject, name.Length <= Caller.MaxDisplayLength ? name : name[..Caller.MaxDisplayLength], actor);
    }

    /// <summary>
    /// MSAL's error code and the authority's own description where MSAL quotes it (after "Original exception:"), else
    /// MSAL's first line; never a token (neither carries one).
    /// </summary>
    private static string Describe(MsalException ex)
    {
        const string quoted = "Original exception:";
        var at = ex.Message.IndexOf(quoted, StringComparison.Ordinal);
        var message = (at >= 0 ? ex.Message[(at + quoted.Length)..] : ex.Message).Split('\n', 2)[0].Trim();
        return $"{ex.ErrorCode}: {(message.Length <= 400 ? message : message[..400] + "…")}";
    }

    private static InvalidOperationException NotSetUp() =>
        new($"{DelegationOptions.Section} is not set up on this host (Authority, ManagedIdentityClientId, CacheKey): it acts for nobody");
}
