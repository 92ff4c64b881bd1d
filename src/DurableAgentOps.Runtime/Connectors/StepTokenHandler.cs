using System.Net.Http.Headers;
using DurableAgentOps.Runtime.Identity;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// Sets the step identity's bearer token on each attempt of a system call. It sits inside the resilience handler, so a
/// retry asks again: the credential caches, and a retry may outlive a token.
/// </summary>
internal sealed class StepTokenHandler(StepCredentials credentials) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(SystemCallResilience.CallKey, out var call) || !request.Options.TryGetValue(SystemCallResilience.ClientIdKey, out var clientId))
        {
            throw new InvalidOperationException("a request to a system without its step identity: send it with SystemClient");
        }

        request.Options.TryGetValue(SystemCallResilience.DelegationKey, out var delegated);
        var token = await credentials.GetTokenAsync(clientId, call.System, cancellationToken, call.Resource, delegated);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return await base.SendAsync(request, cancellationToken);
    }
}
