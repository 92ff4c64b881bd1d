namespace DurableAgentOps.Core.Model;

/// <summary>
/// Token audiences of the Azure platform itself (management, storage, Key Vault, Microsoft Graph, databases,
/// messaging). A business system never needs one: a token for it, sent to a system, would let whoever runs that system
/// act on the platform as the step identity. A declaration naming one is refused, and so is a token request for one.
/// </summary>
public static class PlatformAudiences
{
    private static readonly string[] Hosts =
    [
        "management.azure.com", "management.core.windows.net", "storage.azure.com", "vault.azure.net", "graph.microsoft.com",
        "graph.windows.net", "database.windows.net", "servicebus.azure.net", "eventhubs.azure.net", "monitor.azure.com",
        "api.loganalytics.io", "batch.core.windows.net", "login.microsoftonline.com",
    ];

    private static readonly string[] HostSuffixes =
    [
        ".blob.core.windows.net", ".table.core.windows.net", ".queue.core.windows.net", ".file.core.windows.net", ".dfs.core.windows.net",
        ".vault.azure.net", ".database.windows.net", ".servicebus.windows.net", ".documents.azure.com", ".azurecr.io",
    ];

    /// <summary>True when <paramref name="resource"/> (an audience such as <c>https://vault.azure.net</c>) is the platform's own.</summary>
    public static bool IsPlatform(string? resource)
    {
        if (string.IsNullOrWhiteSpace(resource) || !Uri.TryCreate(resource.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            return false;
        }

        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        return Hosts.Contains(host, StringComparer.Ordinal) || HostSuffixes.Any(s => host.EndsWith(s, StringComparison.Ordinal));
    }
}
