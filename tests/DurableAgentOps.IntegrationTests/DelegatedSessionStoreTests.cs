using System.Security.Cryptography;
using System.Text;
using Azure.Data.Tables;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The on-behalf-of sessions at rest, against Azurite: what MSAL's cache holds (a refresh token) is never stored in
/// clear, a row is bound to its own session and key, and a run's end deletes its sessions and no other run's.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DelegatedSessionStoreTests(AzuriteFixture azurite)
{
    private const string App = "person-reader";

    private static readonly byte[] Cache = Encoding.UTF8.GetBytes("{\"RefreshToken\":{\"secret\":\"rt-0123456789-looks-like-a-refresh-token\"}}");

    [Fact]
    public async Task WriteAsync_ThenReadAsync_TheSessionGetsItsCacheBack()
    {
        await using var services = Services(Key());
        var store = services.GetRequiredService<DelegatedSessionStore>();
        var key = DelegatedSessionStore.SessionKey("run-a", App);

        await store.WriteAsync(key, Cache, CancellationToken.None);

        Assert.Equal(Cache, await store.ReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task WriteAsync_RowAtRest_HoldsNothingOfTheCacheInClear()
    {
        await using var services = Services(Key());
        var store = services.GetRequiredService<DelegatedSessionStore>();
        await store.WriteAsync(DelegatedSessionStore.SessionKey("run-b", App), Cache, CancellationToken.None);

        var storage = services.GetRequiredService<GovernanceStorage>();
        var row = await storage.Tables.GetTableClient(storage.DelegatedSessionsTable).GetEntityAsync<TableEntity>("run-b", App);
        var stored = row.Value.GetBinary("Cache");

        Assert.True(stored.Length > Cache.Length); // nonce and tag around it
        Assert.DoesNotContain("rt-0123456789", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        Assert.DoesNotContain("rt-0123456789", Encoding.Latin1.GetString(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_RowCopiedToAnotherRunsSession_IsNotAccepted()
    {
        await using var services = Services(Key());
        var store = services.GetRequiredService<DelegatedSessionStore>();
        await store.WriteAsync(DelegatedSessionStore.SessionKey("run-c", App), Cache, CancellationToken.None);
        var storage = services.GetRequiredService<GovernanceStorage>();
        var table = storage.Tables.GetTableClient(storage.DelegatedSessionsTable);
        var original = (await table.GetEntityAsync<TableEntity>("run-c", App)).Value;

        // Someone with the storage key moves the person's session to a run of their own.
        await table.UpsertEntityAsync(new TableEntity("run-mallory", App) { ["Cache"] = original.GetBinary("Cache") });

        Assert.Null(await store.ReadAsync(DelegatedSessionStore.SessionKey("run-mallory", App), CancellationToken.None));
        Assert.Equal(Cache, await store.ReadAsync(DelegatedSessionStore.SessionKey("run-c", App), CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_HostWithAnotherCacheKey_GetsNothing()
    {
        var prefix = "r" + Guid.NewGuid().ToString("N")[..12];
        await using (var writer = Services(Key(), prefix))
        {
            await writer.GetRequiredService<DelegatedSessionStore>().WriteAsync(DelegatedSessionStore.SessionKey("run-d", App), Cache, CancellationToken.None);
        }

        await using var reader = Services(Key(), prefix);
        Assert.Null(await reader.GetRequiredService<DelegatedSessionStore>().ReadAsync(DelegatedSessionStore.SessionKey("run-d", App), CancellationToken.None));
    }

    [Fact]
    public async Task ReadAsync_KeyRotatedWhileTheRunWaits_ReadWithThePreviousKeyAndSealedAgainUnderTheNewOne()
    {
        var prefix = "r" + Guid.NewGuid().ToString("N")[..12];
        var (before, after) = (Key(), Key());
        var key = DelegatedSessionStore.SessionKey("run-g", App);
        await using (var old = Services(before, prefix))
        {
            await old.GetRequiredService<DelegatedSessionStore>().WriteAsync(key, Cache, CancellationToken.None);
        }

        await using (var withoutPrevious = Services(after, prefix))
        {
            Assert.Null(await withoutPrevious.GetRequiredService<DelegatedSessionStore>().ReadAsync(key, CancellationToken.None));
        }

        await using var rotated = Services(after, prefix, previousKey: before);
        var store = rotated.GetRequiredService<DelegatedSessionStore>();
        Assert.Equal(Cache, await store.ReadAsync(key, CancellationToken.None));
        await store.WriteAsync(key, Cache, CancellationToken.None); // what MSAL does after the session's next use

        await using var drained = Services(after, prefix); // the previous key removed
        Assert.Equal(Cache, await drained.GetRequiredService<DelegatedSessionStore>().ReadAsync(key, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteRunAsync_RunEnds_EverySessionOfThatRunGoesAndNoOther()
    {
        await using var services = Services(Key());
        var store = services.GetRequiredService<DelegatedSessionStore>();
        const string otherApp = "person-writer";
        await store.WriteAsync(DelegatedSessionStore.SessionKey("run-e", App), Cache, CancellationToken.None);
        await store.WriteAsync(DelegatedSessionStore.SessionKey("run-e", otherApp), Cache, CancellationToken.None);
        await store.WriteAsync(DelegatedSessionStore.SessionKey("run-f", App), Cache, CancellationToken.None);

        var deleted = await store.DeleteRunAsync("run-e", CancellationToken.None);

        Assert.Equal(2, deleted);
        Assert.Null(await store.ReadAsync(DelegatedSessionStore.SessionKey("run-e", App), CancellationToken.None));
        Assert.Null(await store.ReadAsync(DelegatedSessionStore.SessionKey("run-e", otherApp), CancellationToken.None));
        Assert.Equal(Cache, await store.ReadAsync(DelegatedSessionStore.SessionKey("run-f", App), CancellationToken.None));
        Assert.Equal(0, await store.DeleteRunAsync("run-e", CancellationToken.None)); // again: nothing left, no error
    }

    private static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private ServiceProvider Services(string cacheKey, string? prefix = null, string? previousKey = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentOps:Delegation:Authority"] = "https://localhost:9/7d3e5c1a-0000-4000-8000-0000000000d0",
            ["AgentOps:Delegation:ManagedIdentityClientId"] = "6f1c0a10-0000-4000-8000-0000000000a2",
            ["AgentOps:Delegation:CacheKey"] = cacheKey,
        };
        if (prefix is not null)
        {
            settings[GovernanceStorage.PrefixSetting] = prefix;
        }

        if (previousKey is not null)
        {
            settings["AgentOps:Delegation:PreviousCacheKey"] = previousKey;
        }

        return RuntimeServices.Over(azurite.ConnectionString, settings: settings);
    }
}
