namespace DurableAgentOps.Runtime.Identity;

/// <summary>
/// <c>AgentOps:Delegation</c>: how this host acts for the person who started a run (on-behalf-of). Unset, the host acts
/// for nobody, and a workflow with a delegated step is refused at start with the reason.
/// </summary>
public sealed class DelegationOptions
{
    public const string Section = "AgentOps:Delegation";

    /// <summary>The sign-in authority the acting app exchanges tokens with, https (Entra: https://login.microsoftonline.com/{tenant}).</summary>
    public Uri? Authority { get; set; }

    /// <summary>
    /// The managed identity whose token is the acting app's client assertion (a federated credential on the app
    /// registration): the host keeps no client secret for the exchange.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// Base64 of 32 bytes: the key the person's token sessions are encrypted with at rest (AES-256-GCM). In Azure a
    /// Key Vault reference.
    /// </summary>
    public string? CacheKey { get; set; }

    /// <summary>
    /// The key <see cref="CacheKey"/> replaced, while runs that started under it drain: sessions it sealed are still
    /// read, and each is sealed again under <see cref="CacheKey"/> at its next use. Unset once no such run is left.
    /// </summary>
    public string? PreviousCacheKey { get; set; }

    /// <summary>True when everything needed to act for a person is set.</summary>
    public bool Enabled => Authority is not null && !string.IsNullOrWhiteSpace(ManagedIdentityClientId) && Key is not null;

    internal byte[]? Key => Decode(CacheKey);

    internal byte[]? PreviousKey => Decode(PreviousCacheKey);

    private static byte[]? Decode(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return Convert.FromBase64String(text) is { Length: 32 } key ? key : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
