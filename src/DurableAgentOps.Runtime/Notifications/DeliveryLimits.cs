namespace DurableAgentOps.Runtime.Notifications;

/// <summary>The send limits every approval channel has (timeout, retries, first retry delay), checked the same way.</summary>
internal static class DeliveryLimits
{
    public static void Check(string section, TimeSpan timeout, int maxRetries, TimeSpan firstRetryDelay, List<string> failures)
    {
        if (timeout < TimeSpan.FromSeconds(1) || timeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{section}:Timeout must be between 00:00:01 and 00:05:00, not {timeout}");
        }

        if (maxRetries is < 0 or > 10)
        {
            failures.Add($"{section}:MaxRetries must be 0 to 10, not {maxRetries}");
        }

        if (firstRetryDelay < TimeSpan.Zero || firstRetryDelay > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{section}:FirstRetryDelay must be between 00:00:00 and 00:00:30, not {firstRetryDelay}");
        }
    }
}
