namespace DurableAgentOps.Api.Http;

/// <summary>
/// One endpoint of the HTTP surface, written once: the standalone host maps it with ASP.NET Core routing and the
/// Functions app invokes it from a trigger of the same name, both with the same route, method, policy and handler.
/// </summary>
/// <param name="Name">The endpoint's name, which is also the Functions app's function name.</param>
/// <param name="Method">The HTTP method.</param>
/// <param name="Route">The standalone host's route; the Functions app serves the same under its <c>api/</c> prefix.</param>
/// <param name="Policy">The authorization policy (<see cref="Security.AgentOpsPolicies"/>), or null for an endpoint anyone may reach (the approval page, whose link is the credential).</param>
/// <param name="Handler">The handler; its parameters are bound as minimal APIs bind them (route values, services, the body).</param>
/// <param name="Metadata">What else the endpoint carries: <see cref="PageEndpoint"/> for an HTML page, <see cref="GuardedAction"/> for the words of a refusal, <see cref="RateLimited"/> for the rate limit its requests count against.</param>
public sealed record ApiEndpoint(string Name, string Method, string Route, string? Policy, Delegate Handler, params object[] Metadata)
{
    /// <summary>The route as the Functions app declares it: without the leading <c>/</c> and <c>api/</c> (the host's prefix).</summary>
    public string FunctionsRoute => Route.TrimStart('/') is var route && route.StartsWith("api/", StringComparison.Ordinal) ? route["api/".Length..] : Route.TrimStart('/');
}

/// <summary>Marks an endpoint that answers people in a browser: refusals are HTML pages, and sign-in is the pages' OpenID Connect flow.</summary>
internal sealed class PageEndpoint
{
    public static PageEndpoint Instance { get; } = new();
}

/// <summary>What an endpoint does, in the words a refusal uses: "<see cref="Text"/> needs the app role …".</summary>
internal sealed record GuardedAction(string Text);

/// <summary>
/// The rate limit an endpoint's requests count against (<c>Security.ApiRateLimiter</c>, the same limiter on both hosts):
/// its name, like an authorization policy's; how much each allows is <c>Security.RateLimitOptions</c>.
/// </summary>
internal sealed record RateLimited(string Policy, string What)
{
    /// <summary>Starting the pages' sign-in and the sign-in provider's callback.</summary>
    public static RateLimited SignIn { get; } = new("sign-in", "signing in");

    /// <summary>The approval page, shown and posted.</summary>
    public static RateLimited ApprovalPage { get; } = new("approval-page", "the approval page");

    /// <summary>Starting a run.</summary>
    public static RateLimited RunStart { get; } = new("run-start", "starting runs");

    /// <summary>Every policy.</summary>
    public static IReadOnlyList<RateLimited> All { get; } = [SignIn, ApprovalPage, RunStart];
}
