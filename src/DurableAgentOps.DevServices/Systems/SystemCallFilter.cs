using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>
/// Runs around every sample-system endpoint: injected faults, bearer token (401), role (403), then the handler;
/// logs each request with the token's subject, in memory and to the app log.
/// </summary>
internal sealed class SystemCallFilter(
    TokenValidator validator, RequestLog log, FaultInjector faults, IOptions<DevServicesOptions> options, TimeProvider time, ILogger<SystemCallFilter> logger)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var call = context.Arguments.OfType<SystemCall>().Single();
        var result = await AuthorizeAsync(call) ?? await next(context);
        var status = call.Dropped ? 0 : result is IStatusCodeHttpResult { StatusCode: int code } ? code : StatusCodes.Status200OK;
        var request = call.Http.Request;
        log.Add(new RequestLogEntry(
            time.GetUtcNow(), call.Operation.System, request.Method, request.Path.Value ?? string.Empty, call.Operation.QualifiedName,
            call.Caller?.Subject, call.Caller?.IdentityName, status, call.Reason, call.Caller?.Delegated?.ActorClientId));
        logger.SystemRequest(call.Operation.System, request.Method, request.Path.Value ?? string.Empty, status, call.Caller?.Subject ?? "(none)", call.Reason ?? string.Empty);
        return result;
    }

    private async Task<IResult?> AuthorizeAsync(SystemCall call)
    {
        var request = call.Http.Request;
        if (faults.TryTake(FaultInjector.FailBeforeCommit, request.Method, request.Path.Value ?? string.Empty) is { } fault)
        {
            if (fault.RetryAfter is { } seconds)
            {
                call.Http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            return call.Refuse(fault.Status ?? StatusCodes.Status503ServiceUnavailable, "unavailable", $"fault injected: {FaultInjector.FailBeforeCommit}");
        }

        var (caller, reason) = await validator.ValidateAsync(request.Headers.Authorization.ToString(), options.Value.AudienceFor(call.Operation.System));
        if (caller is null)
        {
            call.Http.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return call.Refuse(StatusCodes.Status401Unauthorized, "invalid_token", reason!);
        }

        call.Caller = caller;
        return caller.Roles.Contains(call.Operation.Role) ? null : call.Forbidden($"role {call.Operation.Role} required");
    }
}

internal static class SystemEndpointExtensions
{
    /// <summary>Marks an endpoint as a sample-system operation needing <paramref name="role"/> in the token.</summary>
    public static RouteHandlerBuilder Operation(this RouteHandlerBuilder builder, string system, string role, string? name = null) =>
        builder.WithMetadata(new SystemOperation(system, role, name ?? role)).AddEndpointFilter<SystemCallFilter>();
}
