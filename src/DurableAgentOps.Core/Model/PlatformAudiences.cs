namespace DurableAgentOps.Core.Model;

/// <summary>
/// Token audiences of the Azure platform itself (management, storage, Key Vault, Microsoft Graph, databases,
/// messaging, Azure AI), by host in any cloud or by first-party application id. A business system never needs one: a token for it, sent to a system, would let whoever runs that system
/// act on the platform as the step identity. A declaration naming one is refused, and so is a token request for one.
/// </summary>
public static class PlatformAudiences
{
    /// <summary>The platform's own domains, in every cloud: a host that is one of them, or below one, is the platform's.</summary>
    private static readonly string[] Domains =
    [
        "windows.net", "azure.net", "azure.com", "microsoft.com", "microsoftonline.com", "loganalytics.io", "azconfig.io", "azurecr.io",
        "usgovcloudapi.net", "chinacloudapi.cn", "microsoftonline.us", "microsoft.us", "azure.us", "azure.cn",
    ];

    /// <summary>
    /// First-party application ids Entra also issues tokens for (<c>{appId}/.default</c>): Microsoft Graph, Azure
    /// Resource Manager, Key Vault, Azure Storage, Azure SQL, Azure Service Bus, Event Hubs, Cognitive Services.
    /// </summary>
    private static readonly string[] FirstPartyAppIds =
    [
        "00000003-0000-0000-c000-000000000000", "797f4846-ba00-4fd7-ba43-dac1f8f63013", "cfa8b339-82a2-471a-a3c9-0fc0be7a4093",
        "e406a681-f3d4-42a8-90b6-c2b029497af1", "022907d3-0f1b-48f7-badc-1ba6abab6d66", "80a10ef9-8168-493d-abf9-3297c4ef6e3c",
        "5a15f4ba-2bf1-4b9b-a1e4-e1a8c3ab5b1f", "7d312290-28c8-473c-a0ed-8e53749b6d6d", "00000002-0000-0000-c000-000000000000",
    ];

    /// <summary>True when <paramref name="resource"/> (an audience such as <c>https://vault.azure.net</c>) is the platform's own.</summary>
    public static bool IsPlatform(string? resource)
    {
        if (string.IsNullOrWhiteSpace(resource))
        {
            return false;
        }

        var text = resource.Trim();
        if (FirstPartyAppIds.Any(id => text.StartsWith(id, StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return false;
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        return Domains.Any(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal));
    }
}
