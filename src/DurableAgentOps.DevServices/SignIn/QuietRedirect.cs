namespace DurableAgentOps.DevServices.SignIn;

/// <summary>
/// A 302 that is never cached and never logged: ASP.NET Core's own redirect result logs its URL at Information,
/// and a sign-in redirect carries the authorization code.
/// </summary>
internal sealed class QuietRedirect(string location) : IResult
{
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status302Found;
        response.Headers.Location = location;
        response.Headers.CacheControl = "no-store";
        return Task.CompletedTask;
    }
}
