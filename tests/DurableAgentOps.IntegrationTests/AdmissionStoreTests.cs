using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The admission table against Azurite: never more holders than slots, even when runs claim at the same moment; waiting
/// runs are admitted oldest first, and a newcomer does not pass them; a release names the runs to wake.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AdmissionStoreTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(15);
    private static readonly DateTime T0 = new(2026, 12, 6, 9, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task ClaimAsync_ManyRunsAtOnce_NoMoreHoldersThanSlots()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var store = services.GetRequiredService<AdmissionStore>();
        var runs = Enumerable.Range(0, 24).Select(i => $"run-{i:D2}").ToList();

        var admitted = (await Task.WhenAll(runs.Select(r => store.ClaimAsync(r, T0, limit: 5, Lease, CancellationToken.None)))).Select(g => g.Admitted).ToList();

        Assert.Equal(5, admitted.Count(a => a));
        // Asking again changes nothing: holders keep their place, the others still wait.
        var again = (await Task.WhenAll(runs.Select(r => store.ClaimAsync(r, T0, limit: 5, Lease, CancellationToken.None)))).Select(g => g.Admitted).ToList();
        Assert.Equal(admitted, again);
    }

    [Fact]
    public async Task ReleaseAsync_RunsWaiting_OldestIsWokenAndAdmittedBeforeANewcomer()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var store = services.GetRequiredService<AdmissionStore>();
        Assert.True((await store.ClaimAsync("holder", T0, 1, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("second", T0.AddSeconds(2), 1, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("first", T0.AddSeconds(1), 1, Lease, CancellationToken.None)).Admitted);

        var wake = await store.ReleaseAsync("holder", 1, Lease, CancellationToken.None);

        Assert.Equal(["first"], wake);
        Assert.False((await store.ClaimAsync("newcomer", T0.AddSeconds(3), 1, Lease, CancellationToken.None)).Admitted); // two wait ahead of it
        Assert.False((await store.ClaimAsync("second", T0.AddSeconds(2), 1, Lease, CancellationToken.None)).Admitted);  // "first" is ahead
        Assert.True((await store.ClaimAsync("first", T0.AddSeconds(1), 1, Lease, CancellationToken.None)).Admitted);
        Assert.Equal(["second"], await store.ReleaseAsync("first", 1, Lease, CancellationToken.None));
        Assert.True((await store.ClaimAsync("second", T0.AddSeconds(2), 1, Lease, CancellationToken.None)).Admitted);
        Assert.Equal(["newcomer"], await store.ReleaseAsync("second", 1, Lease, CancellationToken.None));
    }

    [Fact]
    public async Task WithdrawAsync_QueuedRunNoLongerWaits_TheRunBehindItIsWokenAndAdmitted()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var store = services.GetRequiredService<AdmissionStore>();
        Assert.True((await store.ClaimAsync("holder", T0, 1, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("approval-did-not-count", T0.AddSeconds(1), 1, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("behind", T0.AddSeconds(2), 1, Lease, CancellationToken.None)).Admitted);

        await store.WithdrawAsync("approval-did-not-count", T0.AddSeconds(1), CancellationToken.None);

        Assert.Equal(["behind"], await store.ReleaseAsync("holder", 1, Lease, CancellationToken.None));
        Assert.True((await store.ClaimAsync("behind", T0.AddSeconds(2), 1, Lease, CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task ClaimAsync_MorePlacesFreeThanItTakes_NamesTheRunsBehindItToWake()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var store = services.GetRequiredService<AdmissionStore>();
        Assert.True((await store.ClaimAsync("holder-1", T0, 2, Lease, CancellationToken.None)).Admitted);
        Assert.True((await store.ClaimAsync("holder-2", T0, 2, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("first", T0.AddSeconds(1), 2, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("second", T0.AddSeconds(2), 2, Lease, CancellationToken.None)).Admitted);

        // Both places given back, and "second" never told (as when two releases at the same moment both wake "first").
        await store.ReleaseAsync("holder-1", 2, Lease, CancellationToken.None);
        await store.ReleaseAsync("holder-2", 2, Lease, CancellationToken.None);
        var grant = await store.ClaimAsync("first", T0.AddSeconds(1), 2, Lease, CancellationToken.None);

        Assert.True(grant.Admitted);
        Assert.Equal(["second"], grant.Wake);
        Assert.True((await store.ClaimAsync("second", T0.AddSeconds(2), 2, Lease, CancellationToken.None)).Admitted);
    }

    [Fact]
    public async Task ClaimAsync_HolderLeaseRanOut_SlotIsTaken()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var services = RuntimeServices.Over(azurite.ConnectionString, clock);
        var store = services.GetRequiredService<AdmissionStore>();
        Assert.True((await store.ClaimAsync("terminated-while-holding", T0, 1, Lease, CancellationToken.None)).Admitted);
        Assert.False((await store.ClaimAsync("waiting", T0.AddSeconds(1), 1, Lease, CancellationToken.None)).Admitted);

        clock.Advance(Lease + TimeSpan.FromSeconds(1));

        Assert.True((await store.ClaimAsync("waiting", T0.AddSeconds(1), 1, Lease, CancellationToken.None)).Admitted);
    }
}
