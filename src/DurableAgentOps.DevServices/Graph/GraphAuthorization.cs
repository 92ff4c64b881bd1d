using DurableAgentOps.DevServices.Identity;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Systems;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Graph;

/// <summary>
/// Runs before every Graph route: 401 unless the workload identity endpoint signed the token (a people token is
/// not one); 403 unless its audience is Graph, its subject a directory reader and its roles hold the route's
/// permission. Each request is logged with the token's subject, never the token.
/// </summary>
internal sealed class GraphAuthorization(string permission) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var (caller, reason) = await services.GetRequiredService<TokenValidator>().ValidateAsync(http.Request.Headers.Authorization.ToString(), audience: null, acceptDelegated: false);
        var options = services.GetRequiredService<IOptions<DevServicesOptions>>().Value;
        object? result;
        if (caller is null)
        {
            http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            result = GraphApi.GraphError(StatusCodes.Status401Unauthorized, "InvalidAuthenticationToken", reason!);
        }
        else
        {
            reason = caller switch
            {
                _ when !caller.Audiences.Contains(TokenIssuer.GraphResource, StringComparer.Ordinal) =>
                    $"the token's audience is {string.Join(", ", caller.Audiences)}, not {TokenIssuer.GraphResource}",
                _ when !options.IsDirectoryReader(caller.Subject) =>
                    $"client {caller.Subject} is not a directory reader ({DevServicesOptions.Section}:DirectoryReaderClientIds)",
                _ when !caller.Roles.Contains(permission) => $"Insufficient privileges to complete the operation: {permission} is required",
                _ => null,
            };
            result = reason is null ? await next(context) : GraphApi.GraphError(StatusCodes.Status403Forbidden, "Authorization_RequestDenied", reason);
        }

        var status = result is IStatusCodeHttpResult { StatusCode: int code } ? code : StatusCodes.Status200OK;
        services.GetRequiredService<ILogger<GraphAuthorization>>()
            .GraphRequest(http.Request.Method, http.Request.Path.Value ?? string.Empty, status, caller?.Subject ?? "(none)", reason ?? string.Empty);
        return result;
    }
}

internal static class GraphEndpointExtensions
{
    public static RouteHandlerBuilder RequiresGraphPermission(this RouteHandlerBuilder builder, string permission) =>
        builder.AddEndpointFilter(new GraphAuthorization(permission));
}
