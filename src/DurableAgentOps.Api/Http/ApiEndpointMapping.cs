namespace DurableAgentOps.Api.Http;

/// <summary>How a list of <see cref="ApiEndpoint"/>s becomes ASP.NET Core endpoints, the same way for every list.</summary>
internal static class ApiEndpointMapping
{
    /// <summary>Each endpoint with its route, method, name and metadata; its policy, or (without one) open to anyone.</summary>
    public static IEndpointRouteBuilder MapApiEndpoints(this IEndpointRouteBuilder app, IEnumerable<ApiEndpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var endpoint in endpoints)
        {
            var mapped = app.MapMethods(endpoint.Route, [endpoint.Method], endpoint.Handler).WithName(endpoint.Name).WithMetadata(endpoint.Metadata);
            if (endpoint.Policy is null)
            {
                mapped.AllowAnonymous();
            }
            else
            {
                mapped.RequireAuthorization(endpoint.Policy);
            }
        }

        return app;
    }
}
