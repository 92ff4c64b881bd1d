using System.Net;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// Reports every bad Teams setting at once by its name. The webhook URL is a credential, so no message quotes it, not
/// even in part. An unset URL is no error: the channel is off.
/// </summary>
internal sealed class TeamsOptionsValidator : IValidateOptions<TeamsOptions>
{
    private const string S = TeamsOptions.Section;

    public ValidateOptionsResult Validate(string? name, TeamsOptions options)
    {
        if (!options.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        if (!Uri.TryCreate(options.WebhookUrl!.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("https" or "http"))
        {
            failures.Add($"{S}:WebhookUrl must be an absolute https URL (the value is a credential and is not shown)");
        }
        else if (url.Scheme == "http" && !IsLoopback(url))
        {
            failures.Add($"{S}:WebhookUrl must use https: its sig= is a credential (http is allowed only to this machine; the value is not shown)");
        }
        else if (!string.IsNullOrEmpty(url.UserInfo))
        {
            failures.Add($"{S}:WebhookUrl must not carry a user name or password (the value is not shown)");
        }

        DeliveryLimits.Check(S, options.Timeout, options.MaxRetries, options.FirstRetryDelay, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsLoopback(Uri url) =>
        url.IsLoopback || IPAddress.TryParse(url.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);
}
