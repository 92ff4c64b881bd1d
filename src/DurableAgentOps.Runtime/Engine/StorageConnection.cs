using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Where the task hub lives and how to reach it: a connection string (default: the local emulator), or account
/// endpoints with a <see cref="TokenCredential"/> (an identity-based connection, as production uses).
/// Resolved from configuration the way the Functions host resolves <c>AzureWebJobsStorage</c>.
/// </summary>
public sealed class StorageConnection
{
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    private StorageConnection(string? connectionString, Uri? blob, Uri? queue, Uri? table, TokenCredential? credential)
    {
        ConnectionString = connectionString;
        BlobEndpoint = blob;
        QueueEndpoint = queue;
        TableEndpoint = table;
        Credential = credential;
    }

    public string? ConnectionString { get; }

    public Uri? BlobEndpoint { get; }

    public Uri? QueueEndpoint { get; }

    public Uri? TableEndpoint { get; }

    public TokenCredential? Credential { get; }

    /// <summary>The table endpoint, for messages: never includes an account key or SAS.</summary>
    public string Describe() => (TableEndpoint ?? TableEndpointOf(ConnectionString!)).GetLeftPart(UriPartial.Path);

    public static StorageConnection FromConnectionString(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return new StorageConnection(connectionString, null, null, null, null);
    }

    public static StorageConnection FromAccountEndpoints(Uri blob, Uri queue, Uri table, TokenCredential credential) =>
        new(null, blob, queue, table, credential);

    /// <summary>
    /// Reads the connection named <paramref name="name"/>: a plain value is a connection string; otherwise
    /// <c>{name}:accountName</c> or <c>{name}:blobServiceUri/queueServiceUri/tableServiceUri</c> with
    /// <c>{name}:credential = managedidentity</c> and optional <c>{name}:clientId</c>. Nothing set means the emulator.
    /// </summary>
    public static StorageConnection FromConfiguration(IConfiguration configuration, string name)
    {
        var section = configuration.GetSection(name);
        if (!string.IsNullOrWhiteSpace(section.Value))
        {
            return FromConnectionString(Checked(name, section.Value));
        }

        var accountName = section["accountName"];
        if (string.IsNullOrWhiteSpace(accountName) && string.IsNullOrWhiteSpace(section["tableServiceUri"]))
        {
            return FromConnectionString(DevelopmentStorage);
        }

        Uri Endpoint(string service) => section[$"{service}ServiceUri"] is { Length: > 0 } uri
            ? new Uri(uri)
            : new Uri($"https://{accountName}.{service}.core.windows.net/");

        TokenCredential credential = string.Equals(section["credential"], "managedidentity", StringComparison.OrdinalIgnoreCase)
            ? new ManagedIdentityCredential(section["clientId"] is { Length: > 0 } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned)
            : new DefaultAzureCredential();
        return FromAccountEndpoints(Endpoint("blob"), Endpoint("queue"), Endpoint("table"), credential);
    }

    /// <summary>
    /// The connection string if the storage SDKs can parse it; otherwise a <see cref="StorageSettingException"/> naming
    /// the setting and never quoting the value (it holds the account key).
    /// </summary>
    private static string Checked(string name, string connectionString)
    {
        try
        {
            _ = new TableServiceClient(connectionString);
            _ = new Azure.Storage.Blobs.BlobServiceClient(connectionString);
            _ = new Azure.Storage.Queues.QueueServiceClient(connectionString);
            return connectionString;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new StorageSettingException(
                $"{name} is not a storage connection string (expected UseDevelopmentStorage=true, or DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=...); its value is not shown because it may hold a key");
        }
    }

    internal StorageAccountClientProvider CreateClientProvider() => ConnectionString is not null
        ? new StorageAccountClientProvider(ConnectionString)
        : new StorageAccountClientProvider(BlobEndpoint!, QueueEndpoint!, TableEndpoint!, Credential!);

    /// <summary>A table service client for the product's own tables (decisions), beside the task hub's.</summary>
    public TableServiceClient CreateTableServiceClient() => ConnectionString is not null
        ? new TableServiceClient(ConnectionString)
        : new TableServiceClient(TableEndpoint!, Credential!);

    /// <summary>A blob service client for the product's own containers (deployed definitions).</summary>
    public Azure.Storage.Blobs.BlobServiceClient CreateBlobServiceClient() => ConnectionString is not null
        ? new Azure.Storage.Blobs.BlobServiceClient(ConnectionString)
        : new Azure.Storage.Blobs.BlobServiceClient(BlobEndpoint!, Credential!);

    /// <summary>A table client that fails fast: no retries and a short network timeout, for probes.</summary>
    internal TableServiceClient CreateProbeClient(TimeSpan timeout)
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = timeout;
        return ConnectionString is not null
            ? new TableServiceClient(ConnectionString, options)
            : new TableServiceClient(TableEndpoint!, Credential!, options);
    }

    private static Uri TableEndpointOf(string connectionString)
    {
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        if (parts.TryGetValue("UseDevelopmentStorage", out var dev) && bool.TryParse(dev, out var isDev) && isDev)
        {
            return new Uri("http://127.0.0.1:10002/devstoreaccount1");
        }

        if (parts.TryGetValue("TableEndpoint", out var table))
        {
            return new Uri(table);
        }

        var protocol = parts.GetValueOrDefault("DefaultEndpointsProtocol", "https");
        var suffix = parts.GetValueOrDefault("EndpointSuffix", "core.windows.net");
        return new Uri($"{protocol}://{parts.GetValueOrDefault("AccountName", "unknown")}.table.{suffix}");
    }
}

/// <summary>A storage setting that cannot be used: an operator's mistake, reported by name at start-up (exit code 2).</summary>
internal sealed class StorageSettingException(string message) : Exception(message);
