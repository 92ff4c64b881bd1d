using System.Net;
using MimeKit;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// Reports every bad email setting at once by its configuration name, so start-up stops with all of them. An unset
/// <see cref="EmailOptions.Host"/> is no error: the channel is off. The password is never quoted.
/// </summary>
internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    private const string S = EmailOptions.Section;

    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        if (!options.IsConfigured)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>();
        var host = options.Host!.Trim();
        if (Uri.CheckHostName(host) == UriHostNameType.Unknown)
        {
            failures.Add($"{S}:Host must be a host name or IP address, not '{UntrustedText.ForHeader(host, 100)}'");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"{S}:Port must be 1 to 65535 (or 0 for the usual port of {S}:Security), not {options.Port}");
        }

        if (!Enum.IsDefined(options.Security))
        {
            failures.Add($"{S}:Security must be one of None, StartTls, SslOnConnect, Auto");
        }

        if (string.IsNullOrWhiteSpace(options.From))
        {
            failures.Add($"{S}:From is required when {S}:Host is set: the sender's address (e.g. approvals@contoso.example)");
        }
        else if (!IsPlainAddress(options.From))
        {
            failures.Add($"{S}:From must be one plain address like approvals@contoso.example (the name goes in {S}:FromName), not '{UntrustedText.ForHeader(options.From, 100)}'");
        }

        if (options.FromName.Length > 100 || options.FromName.Any(char.IsControl))
        {
            failures.Add($"{S}:FromName must be one line of at most 100 characters");
        }

        var hasUser = !string.IsNullOrEmpty(options.UserName);
        var hasPassword = !string.IsNullOrEmpty(options.Password);
        if (hasUser != hasPassword)
        {
            failures.Add($"{S}:UserName and {S}:Password are set together or not at all ({(hasUser ? "Password" : "UserName")} is missing)");
        }

        // A password sent in clear text to another machine is a password given away.
        if (hasPassword && options.Security == SmtpSecurity.None && !IsLoopback(host))
        {
            failures.Add($"{S}:Security None sends {S}:Password in clear text; use StartTls or SslOnConnect for {host} (None is for a server on this machine)");
        }

        DeliveryLimits.Check(S, options.Timeout, options.MaxRetries, options.FirstRetryDelay, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>One address, nothing else: no display name, no group, no line break.</summary>
    internal static bool IsPlainAddress(string text) =>
        !text.Any(char.IsControl) && !text.Any(char.IsWhiteSpace)
        && MailboxAddress.TryParse(ParserOptions.Default, text, out var address)
        && string.IsNullOrEmpty(address.Name)
        && address.Address.Count(c => c == '@') == 1
        && string.Equals(address.Address, text, StringComparison.Ordinal);

    private static bool IsLoopback(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
}
