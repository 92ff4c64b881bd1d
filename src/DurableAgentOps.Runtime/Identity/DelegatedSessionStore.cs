using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>
/// MSAL's token cache for the sessions that act for people, one row per run and delegated identity, encrypted with
/// AES-256-GCM under <c>AgentOps:Delegation:CacheKey</c> and bound to its row (the row's key is the associated data):
/// the refresh token inside is what lets a step after a two-day gate act for the person, so it is never stored in
/// clear, never in the run's durable state, and gone when the run ends.
/// </summary>
public sealed class DelegatedSessionStore(GovernanceStorage storage, IOptions<DelegationOptions> options, TimeProvider time)
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.DelegatedSessionsTable);
        if (storage.CreatesStores)
        {
            await client.CreateIfNotExistsAsync();
        }

        return client;
    });

    /// <summary>The session key of a run's delegated identity; MSAL hands it back as the cache key.</summary>
    public static string SessionKey(string runId, string identity) => $"{runId}|{identity}";

    public async Task<byte[]?> ReadAsync(string sessionKey, CancellationToken cancellationToken)
    {
        var (partition, row) = Keys(sessionKey);
        var client = await table.Value;
        var found = await client.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        if (!found.HasValue || found.Value!.GetBinary("Cache") is not { Length: > NonceBytes + TagBytes } sealedCache)
        {
            return null;
        }

        // The current key, then the one it replaced (a rotation while runs wait): MSAL writes the session back after its
        // next use, sealed under the current key.
        foreach (var key in new[] { Key, options.Value.PreviousKey }.OfType<byte[]>())
        {
            if (Open(key, sessionKey, sealedCache) is { } plain)
            {
                return plain;
            }
        }

        // Another key, or a row moved from another session: nothing to act with, and the step fails closed.
        return null;
    }

    private static byte[]? Open(byte[] key, string sessionKey, byte[] sealedCache)
    {
        var plain = new byte[sealedCache.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        try
        {
            aes.Decrypt(sealedCache.AsSpan(0, NonceBytes), sealedCache.AsSpan(NonceBytes + TagBytes), sealedCache.AsSpan(NonceBytes, TagBytes), plain,
                Encoding.UTF8.GetBytes(sessionKey));
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    public async Task WriteAsync(string sessionKey, byte[] cache, CancellationToken cancellationToken)
    {
        var (partition, row) = Keys(sessionKey);
        var sealedCache = new byte[NonceBytes + TagBytes + cache.Length];
        RandomNumberGenerator.Fill(sealedCache.AsSpan(0, NonceBytes));
        using (var aes = new AesGcm(Key, TagBytes))
        {
            aes.Encrypt(sealedCache.AsSpan(0, NonceBytes), cache, sealedCache.AsSpan(NonceBytes + TagBytes), sealedCache.AsSpan(NonceBytes, TagBytes),
                Encoding.UTF8.GetBytes(sessionKey));
        }

        var client = await table.Value;
        await client.UpsertEntityAsync(new TableEntity(partition, row) { ["Cache"] = sealedCache, ["WrittenAt"] = time.GetUtcNow() },
            TableUpdateMode.Replace, cancellationToken);
    }

    public async Task DeleteAsync(string sessionKey, CancellationToken cancellationToken)
    {
        var (partition, row) = Keys(sessionKey);
        var client = await table.Value;
        try
        {
            await client.DeleteEntityAsync(partition, row, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Gone already: what is wanted.
        }
    }

    /// <summary>Deletes every session of a run (its end, a terminate, a purge). Returns how many there were.</summary>
    public async Task<int> DeleteRunAsync(string runId, CancellationToken cancellationToken)
    {
        if (!DecisionStore.IsKey(runId))
        {
            return 0;
        }

        var client = await table.Value;
        var deleted = 0;
        await foreach (var entity in client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}"), select: ["RowKey"], cancellationToken: cancellationToken))
        {
            await client.DeleteEntityAsync(runId, entity.RowKey, ETag.All, cancellationToken);
            deleted++;
        }

        return deleted;
    }

    private byte[] Key => options.Value.Key
        ?? throw new InvalidOperationException($"{DelegationOptions.Section}:CacheKey is not set: this host does not act for people");

    private static (string Partition, string Row) Keys(string sessionKey)
    {
        var split = sessionKey.LastIndexOf('|');
        return split > 0 && split < sessionKey.Length - 1
            ? (sessionKey[..split], sessionKey[(split + 1)..])
            : throw new ArgumentException("not a session key of this store (run id|client id)", nameof(sessionKey));
    }
}
