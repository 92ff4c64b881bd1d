namespace DurableAgentOps.TestHost;

/// <summary>
/// Kills this process right after a system committed a write of <paramref name="stepId"/> (its answer is in, the
/// activity's result is not yet saved), to prove the next host applies nothing twice. The step is read from the
/// write's idempotency key, <c>{runId}:{stepId}:{operation}</c>.
/// </summary>
internal sealed class KillAfterWriteHandler(string stepId) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode && request.Headers.TryGetValues("Idempotency-Key", out var keys)
            && keys.FirstOrDefault()?.Split(':') is [_, var step, ..] && step == stepId)
        {
            Environment.FailFast($"test host: killed after a committed write of step {stepId} ({request.Method} {request.RequestUri?.AbsolutePath})");
        }

        return response;
    }
}
