using System.Text.Json.Nodes;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Routing;

namespace DurableAgentOps.Core.Tests;

public sealed class RouterTests
{
    private static StepDefinition Step(string workflow, string step) =>
        WorkflowLoader.Load(TestFiles.Workflow(workflow)).Definition!.FindStep(step)!;

    private static JsonObject Data(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory]
    [InlineData("100", "accounts-payable", "clerk-approval", null)]
    [InlineData("4999.99", "accounts-payable", "clerk-approval", null)]
    [InlineData("5000", "finance-managers", "manager-approval", "invoice.amount >= 5000")]
    [InlineData("49999.99", "finance-managers", "manager-approval", "invoice.amount >= 5000")]
    [InlineData("50000", "controllers", "controller-approval", "invoice.amount >= 50000")]
    public void Choose_InvoiceByAmount_FirstMatchingRouteWins(string amount, string to, string gate, string? when)
    {
        var decision = Router.Choose(Step("invoice-exceptions", "route-by-amount"), new JsonObject { ["invoice"] = new JsonObject { ["amount"] = JsonNode.Parse(amount) } });

        Assert.Equal(new RouteDecision(to, gate, when), decision);
    }

    [Fact]
    public void Choose_StrategicAccount_GoesToDirector()
    {
        var decision = Router.Choose(Step("crm-followup", "route-by-tier"), Data("""{"account":{"tier":"strategic"}}"""));

        Assert.Equal(new RouteDecision("strategic-accounts", "director-review", "account.tier == 'strategic'"), decision);
    }

    [Fact]
    public void Choose_AccountWithoutTier_TakesTheDefaultRoute()
    {
        var decision = Router.Choose(Step("crm-followup", "route-by-tier"), Data("""{"account":{"id":"ACC-000001"}}"""));

        Assert.Equal(new RouteDecision("standard-accounts", "manager-review", null), decision);
    }

    [Theory]
    [InlineData("P1", "billing", "incident-response")]
    [InlineData("P3", "billing", "billing")]
    [InlineData("P3", "hardware", "general")]
    public void Choose_SupportTicket_RoutesWithoutGate(string priority, string category, string to)
    {
        var decision = Router.Choose(Step("support-routing", "route-to-queue"), new JsonObject { ["ticket"] = new JsonObject { ["priority"] = priority, ["category"] = category } });

        Assert.Equal(to, decision.To);
        Assert.Null(decision.Gate);
    }

    [Fact]
    public void Choose_NoRouteMatches_ThrowsNamingTheStep()
    {
        var step = Step("invoice-exceptions", "route-by-amount");
        var withoutDefault = step with { Routes = [.. step.Routes.Where(r => r.When is not null)] };

        var error = Assert.Throws<InvalidOperationException>(() => Router.Choose(withoutDefault, Data("""{"invoice":{"amount":10}}""")));

        Assert.Contains("'route-by-amount'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Choose_StepIsNotARouteStep_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Router.Choose(Step("crm-followup", "read-account"), []));
    }
}
