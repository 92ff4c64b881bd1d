using System.Text.RegularExpressions;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.DevServices.Storage;
using DurableAgentOps.DevServices.Tests.Infrastructure;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>The sample data is usable as workflow input as it stands.</summary>
public sealed class SeedDataTests
{
    [Theory]
    [InlineData("crm-followup", "accountId")]
    [InlineData("crm-followup", "callId")]
    [InlineData("support-routing", "ticketId")]
    [InlineData("invoice-exceptions", "invoiceId")]
    [InlineData("invoice-exceptions", "purchaseOrderId")]
    public void SeedIds_EveryId_MatchesTheWorkflowInputPattern(string workflow, string input)
    {
        var loaded = WorkflowLoader.Load(Path.Combine(TestPaths.RepositoryRoot, "workflows", workflow + ".yaml"));
        var pattern = new Regex(loaded.Definition!.Input.Single(i => i.Name == input).Pattern!, RegexOptions.None, TimeSpan.FromSeconds(1));

        string[] ids = input switch
        {
            "accountId" => [.. SeedData.Accounts.Select(a => a.Id)],
            "callId" => [.. SeedData.Calls.Select(c => c.Id)],
            "ticketId" => [.. SeedData.Tickets.Select(t => t.Id)],
            "invoiceId" => [.. SeedData.Invoices.Select(i => i.Id)],
            _ => [.. SeedData.PurchaseOrders.Select(p => p.Id)],
        };

        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.Matches(pattern, id));
    }

    [Fact]
    public void SeedData_Records_SpanRegionsEntitiesTiersAndPriorities()
    {
        Assert.Equal(["amer", "apac", "emea"], SeedData.Accounts.Select(a => a.Region).Distinct().Order());
        Assert.Equal(["standard", "strategic"], SeedData.Accounts.Select(a => a.Tier).Distinct().Order());
        Assert.Equal(["P1", "P2", "P3", "P4"], SeedData.Tickets.Where(t => t.Region == "emea").Select(t => t.Priority).Order());
        Assert.Equal(["contoso-eu", "contoso-us"], SeedData.Invoices.Select(i => i.Entity).Distinct().Order());
        Assert.All(SeedData.Invoices, i => Assert.Contains(SeedData.PurchaseOrders, p => p.Id == i.PoNumber && p.Entity == i.Entity));
        Assert.All(SeedData.Calls, c => Assert.Contains(SeedData.Contacts, k => k.Id == c.ContactId && k.AccountId == c.AccountId));

        // Each amount band of the invoice-exceptions routes has an EU invoice: < 5,000, 5,000..50,000, >= 50,000.
        var eu = SeedData.Invoices.Where(i => i.Entity == "contoso-eu").Select(i => i.Amount).ToList();
        Assert.Contains(eu, a => a < 5000);
        Assert.Contains(eu, a => a is >= 5000 and < 50000);
        Assert.Contains(eu, a => a >= 50000);
    }
}
