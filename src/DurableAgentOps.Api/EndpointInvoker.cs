using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using DurableAgentOps.Api.Http;
using DurableAgentOps.Api.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Api;

/// <summary>
/// Runs an endpoint of <see cref="AgentOpsApiEndpoints"/> from a trigger where no routing or authorization middleware
/// runs (the Functions app): the same policy, judged by the same ASP.NET Core authorization services and answered by the
/// same result handler, then the same handler with its parameters bound as minimal APIs bind them. A rate limited
/// endpoint first takes a lease from the same limiter, by the same partition, as the standalone host's middleware.
/// </summary>
public sealed class EndpointInvoker(
    IServiceProvider services, IAuthorizationPolicyProvider policies, IPolicyEvaluator evaluator, IAuthorizationMiddlewareResultHandler results,
    ILogger<EndpointInvoker> logger)
{
    private readonly ApiRateLimiter limiter = services.GetRequiredService<ApiRateLimiter>();

    private readonly ConcurrentDictionary<string, Endpoint> endpoints = new(StringComparer.Ordinal);

    /// <summary>Answers the request with the endpoint named <paramref name="name"/>; <paramref name="routeValues"/> are the trigger's route parameters.</summary>
    public async Task InvokeAsync(string name, HttpContext http, params (string Name, string Value)[] routeValues)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            await RunAsync(name, http, routeValues);
        }
        catch (Exception ex) when (StorageOutage.Is(ex) && !http.Response.HasStarted)
        {
            // As the standalone host's exception handler answers it: a 503 with Retry-After, not the worker's 500.
            await StorageOutage.AnswerAsync(http, ex, logger);
        }
    }

    private async Task RunAsync(string name, HttpContext http, (string Name, string Value)[] routeValues)
    {
        var endpoint = endpoints.GetOrAdd(name, Build);
        foreach (var (key, value) in routeValues)
        {
            http.Request.RouteValues[key] = value;
        }

        http.SetEndpoint(endpoint);
        var definition = AgentOpsApiEndpoints.Named(name);
        var limit = endpoint.Metadata.GetMetadata<RateLimited>();
        if (definition.Policy is null)
        {
            if (limit is null || await limiter.TryAcquireAsync(http, limit))
            {
                await endpoint.RequestDelegate!(http);
            }

            return;
        }

        // As the standalone host's pipeline: authentication (which sets the caller the limit counts by), the limit, authorization.
        var policy = await policies.GetPolicyAsync(definition.Policy)
            ?? throw new InvalidOperationException($"no authorization policy is named '{definition.Policy}'");
        var authenticated = await evaluator.AuthenticateAsync(policy, http);
        if (limit is not null && !await limiter.TryAcquireAsync(http, limit))
        {
            return;
        }

        var authorized = await evaluator.AuthorizeAsync(policy, authenticated, http, http);
        await results.HandleAsync(endpoint.RequestDelegate!, http, policy, authorized);
    }

    private Endpoint Build(string name)
    {
        var definition = AgentOpsApiEndpoints.Named(name);
        var handler = RequestDelegateFactory.Create(definition.Handler, new RequestDelegateFactoryOptions { ServiceProvider = services });
        return new Endpoint(handler.RequestDelegate, new EndpointMetadataCollection([.. definition.Metadata, .. handler.EndpointMetadata]), name);
    }
}
