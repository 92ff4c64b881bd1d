using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Security;

/// <summary>
/// Who the host trusts to say who a caller is (section <c>AgentOps:Auth</c>). Entra ID in Azure
/// (<c>https://login.microsoftonline.com/{tenant}/v2.0</c>); the DevServices dev sign-in provider locally.
/// </summary>
internal sealed class AuthOptions
{
    public const string Section = "AgentOps:Auth";

    /// <summary>The OpenID Connect authority; its metadata names the issuer and the signing keys. Required.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be for: the host app registration's application id URI (or client id).</summary>
    public string Audience { get; set; } = "api://durableagentops";

    /// <summary>When set, a token's <c>tid</c> must be this tenant (Entra; the dev provider's tenant locally).</summary>
    public string? TenantId { get; set; }

    /// <summary>
    /// The instance API's system key (header <c>x-functions-key</c>), as Durable Functions' system key: at least 32
    /// characters, from Key Vault in Azure. Unset, only administrators' tokens open the instance API.
    /// </summary>
    public string? SystemKey { get; set; }

    /// <summary>The CLI's client id: decisions made with its tokens are recorded on the <c>cli</c> channel, others on <c>api</c>.</summary>
    public string CliClientId { get; set; } = "agentops-cli";

    /// <summary>The client id the approval pages sign people in with (authorization code + PKCE).</summary>
    public string PagesClientId { get; set; } = "agentops-host";

    /// <summary>The pages' client secret, when the authority requires one for a web app (Entra ID); Key Vault in Azure.</summary>
    public string? PagesClientSecret { get; set; }

    /// <summary>Where the authority returns people after sign-in (the Functions app serves it under /api).</summary>
    public string PagesCallbackPath { get; set; } = "/signin-oidc";

    /// <summary>Allowed clock difference when checking a token's lifetime.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>HTTPS metadata is required except from a loopback authority (the local dev provider).</summary>
    internal bool IsLoopbackAuthority =>
        Uri.TryCreate(Authority, UriKind.Absolute, out var uri) && uri.IsLoopback;
}

/// <summary>Reports every bad sign-in setting at once, by its configuration name, so start-up stops with all of them.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Authority))
        {
            failures.Add($"{AuthOptions.Section}:Authority is required: the OpenID Connect authority callers sign in with " +
                "(https://login.microsoftonline.com/<tenant>/v2.0, or the dev sign-in provider http://127.0.0.1:7080/signin)");
        }
        else if (!Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("http" or "https"))
        {
            failures.Add($"{AuthOptions.Section}:Authority must be an absolute http(s) URL, not '{options.Authority}'");
        }
        else if (authority.Scheme == "http" && !authority.IsLoopback)
        {
            failures.Add($"{AuthOptions.Section}:Authority must use https unless it is on this machine (loopback), not '{options.Authority}'");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add($"{AuthOptions.Section}:Audience must name the host's app registration (e.g. api://durableagentops)");
        }

        if (options.SystemKey is { Length: > 0 and < 32 })
        {
            failures.Add($"{AuthOptions.Section}:SystemKey must be at least 32 characters");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{AuthOptions.Section}:ClockSkew must be between 00:00:00 and 00:05:00, not {options.ClockSkew}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
