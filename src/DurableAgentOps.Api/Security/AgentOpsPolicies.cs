using DurableAgentOps.Core.Model;
using Microsoft.AspNetCore.Authorization;

namespace DurableAgentOps.Api.Security;

/// <summary>
/// The authorization policies endpoints declare (docs/SECURITY.md, "Who may call what"). The app roles come from the
/// token's <c>roles</c> (Entra app roles); the system key holds the administrator role and nothing else. What depends on
/// a run — its initiator, its gate's approvers, the Reader role for runs one neither started nor is asked about — is
/// judged by the run service, not here.
/// </summary>
internal static class AgentOpsPolicies
{
    /// <summary>Any verified caller: a signed-in person, or the host's system key (an administrator with no person behind it).</summary>
    public const string Caller = "AgentOps.Caller";

    /// <summary>A signed-in person: a bearer token that names an object id (never the system key, which is no person).</summary>
    public const string Person = "AgentOps.Person";

    /// <summary>A person with the app role <see cref="AppRoles.Starter"/>; the workflow's <c>starters</c> are checked when the run starts.</summary>
    public const string Starter = "AgentOps.Starter";

    /// <summary>A person with <see cref="AppRoles.Investigator"/> or <see cref="AppRoles.Administrator"/>, or the system key: evidence, report, replay.</summary>
    public const string Investigator = "AgentOps.Investigator";

    /// <summary>A person with <see cref="AppRoles.Administrator"/>, or the host's system key: the instance API and purges.</summary>
    public const string Administrator = "AgentOps.Administrator";

    /// <summary>As <see cref="Investigator"/>, for a person signed in to the pages (OpenID Connect cookie): the timeline page and its report.</summary>
    public const string PageInvestigator = "AgentOps.Pages.Investigator";

    /// <summary>Every policy by name, with what it requires in words (the docs' table is checked against this).</summary>
    public static IReadOnlyDictionary<string, string> Descriptions { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Caller] = "a signed-in person (bearer token with an object id), or the system key",
        [Person] = "a signed-in person (bearer token with an object id)",
        [Starter] = $"a signed-in person with the app role {AppRoles.Starter}",
        [Investigator] = $"the app role {AppRoles.Investigator} or {AppRoles.Administrator} (bearer token), or the system key",
        [Administrator] = $"the app role {AppRoles.Administrator} (bearer token), or the system key",
        [PageInvestigator] = $"a person signed in to the pages with the app role {AppRoles.Investigator} or {AppRoles.Administrator}",
    };

    internal static AuthorizationBuilder AddAgentOpsPolicies(this AuthorizationBuilder authorization) => authorization
        .AddPolicy(Caller, p => p.AddAuthenticationSchemes(AuthenticationSetup.Scheme).RequireAuthenticatedUser())
        .AddPolicy(Person, p => p.AddAuthenticationSchemes(AuthenticationSetup.Scheme).RequireAuthenticatedUser().RequireClaim("oid"))
        .AddPolicy(Starter, p => p.AddAuthenticationSchemes(AuthenticationSetup.Scheme).RequireAuthenticatedUser().RequireClaim("oid").RequireRole(AppRoles.Starter))
        .AddPolicy(Investigator, p => p.AddAuthenticationSchemes(AuthenticationSetup.Scheme).RequireAuthenticatedUser()
            .RequireRole(AppRoles.Investigator, AppRoles.Administrator))
        .AddPolicy(Administrator, p => p.AddAuthenticationSchemes(AuthenticationSetup.Scheme).RequireAuthenticatedUser().RequireRole(AppRoles.Administrator))
        .AddPolicy(PageInvestigator, p => p.AddAuthenticationSchemes(AuthenticationSetup.PagesScheme).RequireAuthenticatedUser().RequireClaim("oid")
            .RequireRole(AppRoles.Investigator, AppRoles.Administrator));
}
