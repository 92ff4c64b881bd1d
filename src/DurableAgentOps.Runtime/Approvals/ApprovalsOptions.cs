using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Approvals;

/// <summary>Approval links and pages (section <c>AgentOps:Approvals</c>).</summary>
public sealed class ApprovalsOptions
{
    public const string Section = "AgentOps:Approvals";

    /// <summary>
    /// The key approval links are sealed with (AES-256-GCM under a key derived from it), base64, at least 32 bytes; Key Vault in Azure. Unset, no
    /// link is issued: notices report it, and decisions are still made through the API and CLI.
    /// </summary>
    public string? LinkSigningKey { get; set; }

    /// <summary>Where people reach the host; links are built from it, never from a request's Host header.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The decoded link-signing key, or null when links are off (no key, or not a usable one).</summary>
    public byte[]? Key => LinkSigningKey is { Length: > 0 } text && TryDecode(text) is { Length: >= 32 } key ? key : null;

    internal static byte[]? TryDecode(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

/// <summary>Names every bad approval setting at once (start-up stops with exit code 2).</summary>
internal sealed class ApprovalsOptionsValidator : IValidateOptions<ApprovalsOptions>
{
    public ValidateOptionsResult Validate(string? name, ApprovalsOptions options)
    {
        var failures = new List<string>();
        if (options.LinkSigningKey is { Length: > 0 } text && ApprovalsOptions.TryDecode(text) is not { Length: >= 32 })
        {
            failures.Add($"{ApprovalsOptions.Section}:LinkSigningKey must be base64 of at least 32 bytes (e.g. openssl rand -base64 32); its value is not shown");
        }

        if (options.PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || (url.Scheme == "http" && !url.IsLoopback)))
        {
            failures.Add($"{ApprovalsOptions.Section}:PublicBaseUrl must be an absolute https URL (http only on this machine), not '{url}'");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
