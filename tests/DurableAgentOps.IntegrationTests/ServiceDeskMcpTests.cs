using DurableAgentOps.Core.Loading;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Connectors;
using ModelContextProtocol.Client;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The shipped ticket-escalation workflow against the DevServices service desk's MCP server: a read through one tool,
/// an escalation through another after a lead's approval, each under its own identity; and the shipped declaration's
/// pins still match the server's tools (what a declaration check proves for the sample).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class ServiceDeskMcpTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Lee = "lee.lead@contoso.example";

    private DevServicesProcess dev = null!;

    public async Task InitializeAsync() => dev = await DevServicesProcess.StartAsync(azurite);

    public async Task DisposeAsync() => await dev.DisposeAsync();

    [Fact]
    public async Task Run_TicketEscalation_ReadsAndEscalatesThroughTheMcpServerUnderEachIdentity()
    {
        await using var host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev));

        var runId = await GovernedRuns.StartAsync(host, dev, "ticket-escalation", new { ticketId = "TCK-0000002" });
        await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval");
        Assert.DoesNotContain(await dev.RequestsAsync("servicedesk"), r => r.GetProperty("path").GetString() == "escalate_ticket");
        await GovernedRuns.ApproveAsync(host, dev, runId, Lee);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var calls = (await dev.RequestsAsync("servicedesk")).Where(r => r.GetProperty("status").GetInt32() == 200)
            .Select(r => (r.GetProperty("path").GetString(), r.GetProperty("identityName").GetString())).ToList();
        Assert.Equal([("get_ticket", "servicedesk-reader"), ("escalate_ticket", "servicedesk-writer")], calls);
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
    }

    [Fact]
    public async Task Tools_ServiceDeskServer_StillHashToTheShippedPins()
    {
        var catalogue = WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml")).Catalogue;
        var declaration = catalogue.Declarations!.Single(d => d.System == "servicedesk");
        var token = await dev.TokenAsync(catalogue.Find("servicedesk-reader")!.ClientIds["local"], "servicedesk");
        using var http = new HttpClient();
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = new Uri($"{dev.BaseUrl}{declaration.Mcp!.Path}"), TransportMode = HttpTransportMode.StreamableHttp, AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {token}" } },
            http, ownsHttpClient: false);
        await using var client = await McpClient.CreateAsync(transport);

        var live = (await client.ListToolsAsync()).ToDictionary(t => t.Name, t => McpToolClient.HashOf(t.ProtocolTool));

        foreach (var operation in declaration.Operations)
        {
            Assert.True(live.TryGetValue(operation.Tool!.Name, out var hash), $"the server no longer offers {operation.Tool.Name}");
            Assert.True(hash == operation.Tool.Sha256, $"{operation.Tool.Name} changed on the server: re-pin it in workflows/systems/servicedesk.yaml (agentops systems import mcp); live {hash}");
        }
    }
}
