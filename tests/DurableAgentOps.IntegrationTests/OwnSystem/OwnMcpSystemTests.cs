using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests.OwnSystem;

/// <summary>
/// A team connects an MCP server of its own: `agentops systems import mcp` drafts the declaration from the live
/// server (each tool pinned by the hash of its definition), the team points its ids at its data, and a workflow reads
/// through one tool and, after approval, writes through another, each under its own identity. A tool the server
/// changed after it was pinned is refused; a record outside the write's scope never reaches the tool.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OwnMcpSystemTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ReaderClientId = "6f1c0a10-0000-4000-8000-0000000000d1";
    private const string WriterClientId = "6f1c0a10-0000-4000-8000-0000000000d2";
    private const string Bob = "bob.manager@contoso.example";

    private readonly string workflows = Directory.CreateTempSubdirectory("agentops-mcp-").FullName;
    private readonly string home = Directory.CreateTempSubdirectory("agentops-mcp-cli-").FullName;
    private DevServicesProcess dev = null!;
    private HelpdeskMcpServer helpdesk = null!;

    public async Task InitializeAsync()
    {
        RepoPaths.CopyCatalogue(workflows);
        var catalogue = Path.Combine(workflows, "identities.yaml");
        var text = await File.ReadAllTextAsync(catalogue);
        text = OwnSystemSetup.Insert(text, "systems:\n", """
              helpdesk:
                kind: business
                description: The team's helpdesk, reached through its MCP server.
                resources: [tickets]

            """);
        text = OwnSystemSetup.Insert(text, "identities:\n", $"""
              helpdesk-reader:
                description: Reads EMEA tickets through the helpdesk's MCP server.
                clientIds:
                  local: {ReaderClientId}
                grants:
                  helpdesk:
                    operations: [tickets.read]
                    records:
                      region: [emea]
              helpdesk-writer:
                description: Assigns EMEA tickets, after approval.
                clientIds:
                  local: {WriterClientId}
                grants:
                  helpdesk:
                    operations: [tickets.assign]
                    records:
                      region: [emea]
                    fields: [queue, note]

            """);
        await File.WriteAllTextAsync(catalogue, text);
        await File.WriteAllTextAsync(Path.Combine(workflows, "helpdesk-assign.yaml"), """
            name: helpdesk-assign
            version: 1
            owner: service-desk@contoso.example
            description: Read a helpdesk ticket through MCP, draft its assignment, and assign it once a manager approves.
            isolation: shared-app
            input:
              ticketId:
                type: string
                required: true
                pattern: "^TCK-[0-9]{4}$"
            steps:
              - id: read-ticket
                kind: read
                identity: helpdesk-reader
                system: helpdesk
                operation: helpdesk.tickets.read
                scope:
                  operations: [helpdesk.tickets.read]
                  records:
                    region: [emea]
              - id: draft-assignment
                kind: draft
                identity: drafter
                system: model
                operation: model.completions.create
                scope:
                  operations: [model.completions.create]
                from: [read-ticket]
                template:
                  target:
                    ticketId: "{ticket.id}"
                  ticket:
                    queue: facilities
                    note: "{ticket.priority}: {ticket.subject}"
              - id: assign-ticket
                kind: write
                identity: helpdesk-writer
                system: helpdesk
                operation: helpdesk.tickets.assign
                scope:
                  operations: [helpdesk.tickets.assign]
                  records:
                    region: [emea]
                  fields: [queue, note]
                from: [draft-assignment]
                approval: review
            gates:
              review:
                approvers:
                  - group: emea-sales-managers
                channels: [email]
                timeout: P1D
            evidence:
              retention: P30D
            """);
        dev = await DevServicesProcess.StartAsync(azurite, catalogue);
        helpdesk = await HelpdeskMcpServer.StartAsync(dev.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await helpdesk.DisposeAsync();
        await dev.DisposeAsync();
        Directory.Delete(workflows, recursive: true);
        Directory.Delete(home, recursive: true);
    }

    [Fact]
    public async Task Run_McpSystemImportedFromTheLiveServer_ReadsAndWritesThroughToolsUnderEachIdentity()
    {
        await ImportAsync(helpdesk);
        await using var host = await OwnSystemSetup.StartHostAsync(azurite, dev, workflows, "helpdesk", helpdesk.BaseUrl);

        var runId = await GovernedRuns.StartAsync(host, dev, "helpdesk-assign", new { ticketId = "TCK-0001" });
        var waiting = await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval");
        Assert.DoesNotContain(helpdesk.Calls, c => c.Tool == "assign_ticket");
        await GovernedRuns.ApproveAsync(host, dev, runId, Bob);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var read = Assert.Single(helpdesk.Calls, c => c.Tool == "get_ticket");
        Assert.Equal((ReaderClientId, "helpdesk-reader", """{"ticketId":"TCK-0001"}"""), (read.ClientId, read.Identity, read.Arguments));
        var write = Assert.Single(helpdesk.Calls, c => c.Tool == "assign_ticket");
        Assert.Equal((WriterClientId, "helpdesk-writer"), (write.ClientId, write.Identity));
        Assert.Equal("""{"ticketId":"TCK-0001","queue":"facilities","note":"P2: Printer on floor 3 is down"}""", write.Arguments);
        Assert.Equal($"{runId}:assign-ticket:helpdesk.tickets.assign", write.IdempotencyKey);
        Assert.Single(helpdesk.Assignments);
        Assert.Contains("helpdesk.tickets.assign", waiting.ToString(), StringComparison.Ordinal);
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
    }

    [Fact]
    public async Task Run_ToolChangedOnTheServerAfterItWasPinned_WriteRefusedNamingTheChange()
    {
        await ImportAsync(helpdesk);
        await using var changed = await HelpdeskMcpServer.StartAsync(dev.BaseUrl, changed: true);
        await using var host = await OwnSystemSetup.StartHostAsync(azurite, dev, workflows, "helpdesk", changed.BaseUrl);

        var runId = await GovernedRuns.StartAsync(host, dev, "helpdesk-assign", new { ticketId = "TCK-0001" });
        await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval"); // get_ticket is unchanged: the read goes through
        await GovernedRuns.ApproveAsync(host, dev, runId, Bob);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.NotEqual("completed", done.GetProperty("outcome").GetString());
        Assert.Contains("MCP tool assign_ticket of helpdesk changed", done.GetProperty("failure").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(changed.Calls, c => c.Tool == "assign_ticket");
        Assert.Empty(changed.Assignments);
    }

    [Fact]
    public async Task SystemsCheck_PinnedToolsAgainstTheLiveServerAndAChangedOne_ReportsEachAndCallsNoWriteTool()
    {
        await ImportAsync(helpdesk);
        var olga = Path.Combine(home, "olga");
        string[] check = ["systems", "check", "--system", "helpdesk", "--set", "input.ticketId=TCK-0001"];
        await using (var host = await OwnSystemSetup.StartHostAsync(azurite, dev, workflows, "helpdesk", helpdesk.BaseUrl))
        {
            Assert.Equal(0, (await CliProcess.RunAsync(olga, host.BaseUrl, "login", "--dev", "olga.ops@contoso.example", "--authority", dev.Authority)).ExitCode);
            var (code, output, error) = await CliProcess.RunAsync(olga, host.BaseUrl, check);

            Assert.True(code == 0, output + error);
            var huge = await CliProcess.RunAsync(olga, host.BaseUrl, "systems", "check", "--system", "helpdesk", "--set", $"input.ticketId={HelpdeskMcpServer.HugeTicket}");
            Assert.True(huge.ExitCode == 1, huge.Out + huge.Error);
            Assert.True(huge.Out.Contains($"with more than {4 * 256 * 1024} bytes, the limit", StringComparison.Ordinal), huge.Out);
            Assert.Contains("pinned    tool  helpdesk.tickets.assign  as helpdesk-writer", output, StringComparison.Ordinal);
            Assert.Contains("proven    read  helpdesk.tickets.read  as helpdesk-reader  MCP tool get_ticket", output, StringComparison.Ordinal);
            Assert.Contains("described write helpdesk.tickets.assign", output, StringComparison.Ordinal);
            Assert.Equal([("get_ticket", ReaderClientId), ("get_ticket", ReaderClientId)], helpdesk.Calls.Select(c => (c.Tool, c.ClientId)));
        }

        await using var changed = await HelpdeskMcpServer.StartAsync(dev.BaseUrl, changed: true);
        await using (var host = await OwnSystemSetup.StartHostAsync(azurite, dev, workflows, "helpdesk", changed.BaseUrl))
        {
            var (code, output, error) = await CliProcess.RunAsync(olga, host.BaseUrl, check);

            Assert.True(code == 1, output + error);
            Assert.Contains("changed   tool  helpdesk.tickets.assign", output, StringComparison.Ordinal);
            Assert.Contains("review the tool (agentops systems import mcp) and re-pin it", output, StringComparison.Ordinal);
            Assert.Contains("pinned    tool  helpdesk.tickets.read", output, StringComparison.Ordinal);
            Assert.DoesNotContain(changed.Calls, c => c.Tool == "assign_ticket");
        }
    }

    [Fact]
    public async Task Run_TicketOutsideTheWritesRegion_RefusedBeforeTheToolIsCalled()
    {
        await ImportAsync(helpdesk);
        await using var host = await OwnSystemSetup.StartHostAsync(azurite, dev, workflows, "helpdesk", helpdesk.BaseUrl);

        // TCK-0002 is in amer: the read (by id, region unknown before it) passes; the write's scope does not.
        var runId = await GovernedRuns.StartAsync(host, dev, "helpdesk-assign", new { ticketId = "TCK-0002" });
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.NotEqual("completed", done.GetProperty("outcome").GetString());
        Assert.Contains("region", done.GetProperty("failure").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(helpdesk.Calls, c => c.Tool == "assign_ticket");
    }

    /// <summary>
    /// `agentops systems import mcp` against the live server with a reader's token, then what a team does with the
    /// draft: the write's record is the ticket the read returned, and its region is what the scope judges.
    /// </summary>
    private async Task ImportAsync(HelpdeskMcpServer server)
    {
        var declaration = Path.Combine(workflows, "systems", "helpdesk.yaml");
        File.Delete(declaration);
        var token = await dev.TokenAsync(ReaderClientId, "helpdesk");
        var (code, output, error) = await CliProcess.RunAsync(home, null, new Dictionary<string, string> { ["HELPDESK_TOKEN"] = token },
            "systems", "import", "mcp", $"{server.BaseUrl}/mcp", "--system", "helpdesk", "--resource", HelpdeskMcpServer.Audience,
            "--bearer-env", "HELPDESK_TOKEN", "--output", declaration);
        Assert.True(code == 0, output + error);
        Assert.True(output.Contains("2 operation(s) of resources tickets", StringComparison.Ordinal), output + error + File.ReadAllText(declaration));
        Assert.DoesNotContain(token, output + error, StringComparison.Ordinal);

        var text = await File.ReadAllTextAsync(declaration);
        Assert.Contains("  tickets.read:", text, StringComparison.Ordinal);
        Assert.Contains("  tickets.assign:", text, StringComparison.Ordinal);
        text = Replace(text, "    record:\n      id: input.ticketId\n    body:", "    record:\n      id: [input.ticketId, ticket.id]\n      read: ticket\n      attributes:\n        region: ticket.region\n    body:");
        await File.WriteAllTextAsync(declaration, text);
        var validated = Core.Loading.WorkflowSetValidator.Validate([workflows]);
        Assert.True(validated.Errors == 0, string.Join("\n", validated.Findings));
    }

    private static string Replace(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }
}
