using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>Evidence and redaction (section <c>AgentOps:Evidence</c>).</summary>
public sealed class EvidenceOptions
{
    public const string Section = "AgentOps:Evidence";

    /// <summary>
    /// The key redacted values are sealed with (AES-256-GCM) in the vault and keyed-digested with (HMAC-SHA256), base64
    /// of 32 bytes; Key Vault in Azure. Unset, a run whose workflow redacts anything is refused at its first read: a
    /// redacted value may never land in clear, so without a key there is nowhere to keep it.
    /// </summary>
    public string? VaultKey { get; set; }

    internal byte[]? Key => VaultKey is { Length: > 0 } text && Decode(text) is { Length: 32 } key ? key : null;

    internal static byte[]? Decode(string text)
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

internal sealed class EvidenceOptionsValidator : IValidateOptions<EvidenceOptions>
{
    public ValidateOptionsResult Validate(string? name, EvidenceOptions options) =>
        options.VaultKey is { Length: > 0 } text && EvidenceOptions.Decode(text) is not { Length: 32 }
            ? ValidateOptionsResult.Fail($"{EvidenceOptions.Section}:VaultKey must be base64 of exactly 32 bytes (openssl rand -base64 32); its value is not shown")
            : ValidateOptionsResult.Success;
}
