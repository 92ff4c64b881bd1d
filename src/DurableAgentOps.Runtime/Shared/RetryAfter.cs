namespace DurableAgentOps.Runtime.Shared;

/// <summary>The wait an HTTP answer asks for in its <c>Retry-After</c> header (seconds or a date), read on the given clock.</summary>
internal static class RetryAfter
{
    /// <summary>The asked wait, zero for a date already past; null when the answer names none.</summary>
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return wait is { } asked ? (asked > TimeSpan.Zero ? asked : TimeSpan.Zero) : null;
    }
}
