namespace DurableAgentOps.DevServices.Systems;

/// <summary>
/// A fault to inject (dev only): <c>drop-after-commit</c> commits a write, then aborts the connection without a
/// response; <c>fail-before-commit</c> answers <see cref="Status"/> (503 by default), with a Retry-After of
/// <see cref="RetryAfter"/> seconds when set, and changes nothing.
/// </summary>
internal sealed record FaultRule(string Path, string Mode, int Count = 1, string? Method = null, int? Status = null, int? RetryAfter = null);

/// <summary>Faults the next matching requests take; each match uses up one of the rule's count.</summary>
internal sealed class FaultInjector
{
    public const string DropAfterCommit = "drop-after-commit";
    public const string FailBeforeCommit = "fail-before-commit";

    private readonly List<FaultRule> rules = [];

    public static string? Problem(FaultRule rule) => rule switch
    {
        { Path: null or "" } or { Path: not ['/', ..] } => "path must be an absolute request path, e.g. /crm/accounts/ACC-000001/tasks",
        { Mode: not (DropAfterCommit or FailBeforeCommit) } => $"mode must be {DropAfterCommit} or {FailBeforeCommit}",
        { Count: < 1 or > 1000 } => "count must be 1..1000",
        { Status: not null and (< 400 or > 599) } => "status must be 400..599",
        { RetryAfter: not null } and ({ RetryAfter: < 1 or > 3600 } or { Mode: not FailBeforeCommit }) =>
            $"retryAfter must be 1..3600 seconds, on {FailBeforeCommit} only",
        _ => null,
    };

    public void Add(FaultRule rule)
    {
        lock (rules)
        {
            rules.Add(rule);
        }
    }

    public IReadOnlyList<FaultRule> Snapshot()
    {
        lock (rules)
        {
            return [.. rules];
        }
    }

    public void Clear()
    {
        lock (rules)
        {
            rules.Clear();
        }
    }

    /// <summary>Takes one use of the first rule of <paramref name="mode"/> matching the request, if any.</summary>
    public FaultRule? TryTake(string mode, string method, string path)
    {
        lock (rules)
        {
            var index = rules.FindIndex(r => r.Mode == mode && string.Equals(r.Path, path, StringComparison.OrdinalIgnoreCase) &&
                (r.Method is null || string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)));
            if (index < 0)
            {
                return null;
            }

            var rule = rules[index];
            if (rule.Count <= 1)
            {
                rules.RemoveAt(index);
            }
            else
            {
                rules[index] = rule with { Count = rule.Count - 1 };
            }

            return rule;
        }
    }
}
