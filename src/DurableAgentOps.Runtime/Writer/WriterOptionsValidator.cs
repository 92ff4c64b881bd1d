using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>Checks <c>AgentOps:Writer</c> at start: an address needs a key, and a key must be a key.</summary>
internal sealed class WriterOptionsValidator(bool inWriter) : IValidateOptions<WriterOptions>
{
    public ValidateOptionsResult Validate(string? name, WriterOptions options)
    {
        var failures = new List<string>();
        if (options.Url is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("http" or "https") || url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0))
        {
            // Its address lands in logs and in a failed step's reason: it must carry nothing secret.
            failures.Add($"{WriterOptions.Section}:Url must be an absolute http(s) URL, the writer's base address, with no user, query or fragment");
        }

        if (options.IntentKey is { Length: > 0 } && options.Key is null)
        {
            failures.Add($"{WriterOptions.Section}:IntentKey must be base64 of at least 32 bytes (openssl rand -base64 32); its value is not shown");
        }
        else if (options.Key is null && (inWriter || options.Url is not null))
        {
            failures.Add($"{WriterOptions.Section}:IntentKey is required {(inWriter ? "in the writer: it verifies every write intent" : $"with {WriterOptions.Section}:Url: write intents are signed")}");
        }

        if (options.IntentLifetime <= TimeSpan.Zero || options.IntentLifetime > TimeSpan.FromHours(1))
        {
            failures.Add($"{WriterOptions.Section}:IntentLifetime must be more than zero and at most 1 hour");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
