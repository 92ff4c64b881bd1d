using DurableAgentOps.Api.Http;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Security;

/// <summary>
/// How many requests the sign-in, approval page and run-start routes take (section <c>AgentOps:RateLimits</c>), per
/// verified caller or, for a request with none, per client address; the same on both hosts. The defaults are far above
/// what a person, a script or the test suite sends, and far below a flood: 300 requests at once from one address.
/// </summary>
internal sealed class RateLimitOptions
{
    public const string Section = "AgentOps:RateLimits";

    /// <summary>Upper bound of every per-minute budget: above it a limit is no limit, and a typo (an extra zero or two) should be caught.</summary>
    public const int MaxPerMinute = 1_000_000;

    /// <summary>Upper bound of <see cref="Concurrent"/>.</summary>
    public const int MaxConcurrent = 10_000;

    /// <summary>Sign-ins started (the approval page's sign-in link) and answered (the provider's callback) a minute, per address.</summary>
    public int SignInPerMinute { get; set; } = 60;

    /// <summary>Approval page requests (GET and POST) a minute, per address: the link, not a bearer token, is their credential.</summary>
    public int ApprovalPagePerMinute { get; set; } = 240;

    /// <summary>Runs started a minute, per caller (per address for a request without a verified caller).</summary>
    public int RunStartPerMinute { get; set; } = 200;

    /// <summary>Requests of one caller or address to one limited route that are answered at once; as many again wait their turn, more get a 429.</summary>
    public int Concurrent { get; set; } = 32;

    /// <summary>The per-minute budget of <paramref name="policy"/>.</summary>
    public int PerMinute(RateLimited policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Policy switch
        {
            "sign-in" => SignInPerMinute,
            "approval-page" => ApprovalPagePerMinute,
            "run-start" => RunStartPerMinute,
            _ => throw new ArgumentException($"no rate limit is named '{policy.Policy}'", nameof(policy)),
        };
    }
}

/// <summary>Reports every bad rate limit setting at once, by its configuration name.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var failures = new List<string>();
        Check(nameof(RateLimitOptions.SignInPerMinute), options.SignInPerMinute, RateLimitOptions.MaxPerMinute);
        Check(nameof(RateLimitOptions.ApprovalPagePerMinute), options.ApprovalPagePerMinute, RateLimitOptions.MaxPerMinute);
        Check(nameof(RateLimitOptions.RunStartPerMinute), options.RunStartPerMinute, RateLimitOptions.MaxPerMinute);
        Check(nameof(RateLimitOptions.Concurrent), options.Concurrent, RateLimitOptions.MaxConcurrent);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string setting, int value, int max)
        {
            if (value is < 1 || value > max)
            {
                failures.Add($"{RateLimitOptions.Section}:{setting} must be between 1 and {max}, not {value}");
            }
        }
    }
}
