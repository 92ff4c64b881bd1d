using DurableAgentOps.Core.Approvals;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The issued-links table against Azurite: a personal link is consumed once, even when two submissions read it unused
/// at the same moment and both try to use it.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class LinkStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ConsumeAsync_TwoSubmissionsReadTheLinkUnused_OnlyOneUsesIt()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var (store, runId) = await IssuedAsync(services);
        var first = await store.GetAsync(runId, "link-1", CancellationToken.None);
        var second = await store.GetAsync(runId, "link-1", CancellationToken.None);

        var used = await Task.WhenAll(
            store.ConsumeAsync(first!, "approver-a", T0, CancellationToken.None),
            store.ConsumeAsync(second!, "approver-b", T0, CancellationToken.None));

        Assert.Equal(1, used.Count(u => u));
        var stored = await store.GetAsync(runId, "link-1", CancellationToken.None);
        Assert.Equal(used[0] ? "approver-a" : "approver-b", stored!.UsedBy);
        Assert.Equal(stored.Gate, first!.Gate); // consuming marks the link; it does not rewrite what was issued
    }

    [Fact]
    public async Task ConsumeAsync_LinkReadAfterItWasUsed_IsRefusedWithoutAWrite()
    {
        await using var services = RuntimeServices.Over(azurite.ConnectionString);
        var (store, runId) = await IssuedAsync(services);
        Assert.True(await store.ConsumeAsync((await store.GetAsync(runId, "link-1", CancellationToken.None))!, "approver-a", T0, CancellationToken.None));

        var reread = await store.GetAsync(runId, "link-1", CancellationToken.None);

        Assert.False(await store.ConsumeAsync(reread!, "approver-b", T0.AddMinutes(1), CancellationToken.None));
        Assert.Equal("approver-a", (await store.GetAsync(runId, "link-1", CancellationToken.None))!.UsedBy);
    }

    /// <summary>A fresh run with link-1 issued to approver-a.</summary>
    private static async Task<(LinkStore Store, string RunId)> IssuedAsync(IServiceProvider services)
    {
        var store = services.GetRequiredService<LinkStore>();
        var runId = $"run-{Guid.NewGuid():N}";
        await store.IssueAsync(Claims(runId), CancellationToken.None);
        return (store, runId);
    }

    private static ApprovalLinkClaims Claims(string runId) =>
        new(runId, "manager", "approve-followup", "approver-a", "email", new string('a', 64), "link-1", T0.AddDays(1).ToUnixTimeSeconds());
}
