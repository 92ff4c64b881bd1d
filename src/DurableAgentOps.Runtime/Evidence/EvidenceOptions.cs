using DurableAgentOps.Core.Governance;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Hosting;
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

    /// <summary>
    /// False only to measure what evidence costs (the benchmark): refused at start unless the host's environment is
    /// Development. Runs then record their start only, saying evidence is off, and nothing after it. On by default.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The ECDSA P-256 private key (PEM) run heads and tree heads are signed with, locally.</summary>
    public string? SigningKey { get; set; }

    /// <summary>In Azure: the Key Vault key (https://{vault}.vault.azure.net/keys/{name}/{version}) that signs instead (ES256).</summary>
    public Uri? KeyVaultKeyId { get; set; }

    /// <summary>The identity the host asks Key Vault with (user-assigned client id); empty: system-assigned.</summary>
    public string? KeyVaultClientId { get; set; }

    /// <summary>
    /// In Azure: the anchors container (https://{account}.blob.core.windows.net/anchors, immutable) every signed tree
    /// head is also written to, once, with the host's identity. Unset: the container <c>{prefix}-anchors</c> in the task
    /// hub's storage account (Azurite locally), a stand-in that is only as safe as that account.
    /// </summary>
    public Uri? AnchorContainerUrl { get; set; }

    /// <summary>The identity the host writes anchors with (user-assigned client id); empty: system-assigned.</summary>
    public string? AnchorClientId { get; set; }

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

/// <summary>The evidence settings; with no <see cref="IHostEnvironment"/> registered, evidence off is refused (fail closed).</summary>
internal sealed class EvidenceOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<EvidenceOptions>
{
    public ValidateOptionsResult Validate(string? name, EvidenceOptions options)
    {
        var failures = new List<string>();
        if (!options.Enabled && DevelopmentOnly.Refusal(environment, GovernanceSwitches.EvidenceSetting, "evidence") is { } refusal)
        {
            failures.Add(refusal);
        }

        if (options.VaultKey is { Length: > 0 } text && EvidenceOptions.Decode(text) is not { Length: 32 })
        {
            failures.Add($"{EvidenceOptions.Section}:VaultKey must be base64 of exactly 32 bytes (openssl rand -base64 32); its value is not shown");
        }

        // Evidence off still signs each run's run-start record (it says the run kept no more), so a key is needed either way.
        if (options.SigningKey is not { Length: > 0 } && options.KeyVaultKeyId is null)
        {
            failures.Add($"{EvidenceOptions.Section}:SigningKey (an EC P-256 private key, PEM) or {EvidenceOptions.Section}:KeyVaultKeyId is required: run heads are signed");
        }
        else if (options.SigningKey is { Length: > 0 } pem && !IsEcKey(pem))
        {
            failures.Add($"{EvidenceOptions.Section}:SigningKey must be an EC P-256 private key in PEM (openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt); its value is not shown");
        }

        if (options.KeyVaultKeyId is { } kid && (!kid.IsAbsoluteUri || kid.Scheme != "https" && !kid.IsLoopback || !kid.AbsolutePath.StartsWith("/keys/", StringComparison.Ordinal)))
        {
            failures.Add($"{EvidenceOptions.Section}:KeyVaultKeyId must be a Key Vault key URL, https://<vault>.vault.azure.net/keys/<name>/<version>");
        }

        if (options.AnchorContainerUrl is { } anchors && AnchorUrlProblem(anchors) is { } anchorProblem)
        {
            failures.Add($"{EvidenceOptions.Section}:AnchorContainerUrl {anchorProblem}");
        }

        if (options.AnchorClientId is { Length: > 0 } clientId && !Guid.TryParse(clientId, out _))
        {
            failures.Add($"{EvidenceOptions.Section}:AnchorClientId must be a client id (a GUID), not '{clientId}'");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Why the anchors URL is not a blob container reached by identity (https, no query: a SAS would be a secret in settings), or null.</summary>
    internal static string? AnchorUrlProblem(Uri url)
    {
        if (!url.IsAbsoluteUri || url.Scheme != Uri.UriSchemeHttps)
        {
            return "must be an https URL of a blob container: https://<account>.blob.core.windows.net/anchors";
        }

        if (url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            return "must not carry a query or fragment (a SAS token is a secret; the host writes with its identity)";
        }

        var segments = url.AbsolutePath.Trim('/').Split('/');
        return segments.Length != 1 || !EvidenceAnchors.IsContainerName(segments[0])
            ? "must name one container after the account: https://<account>.blob.core.windows.net/<container> (3-63 lowercase letters, digits and '-')"
            : null;
    }

    private static bool IsEcKey(string pem)
    {
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            key.ImportFromPem(pem);
            return key.KeySize == 256;
        }
        catch (Exception ex) when (ex is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }
}
