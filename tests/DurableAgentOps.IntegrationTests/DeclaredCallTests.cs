using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// How a declared call refuses data or declarations that would send it elsewhere, judge less than it sends, or let the
/// draft choose what the call names; no system is needed, nothing leaves the process.
/// </summary>
public sealed class DeclaredCallTests
{
    private static readonly SystemDeclaration Helpdesk = new("helpdesk", "helpdesk.yaml", "Helpdesk", null, [], new McpEndpoint("/mcp"));

    private static readonly OperationDeclaration Assign = new(
        "helpdesk.tickets.assign", OperationDeclaration.McpMethod, [], new RecordDeclaration(["input.ticketId", "ticket.id"], "ticket", new Dictionary<string, string> { ["region"] = "ticket.region" }),
        new BodyDeclaration("draft.ticket", new Dictionary<string, string>()), null, [], OperationDeclaration.DefaultIdempotencyHeader,
        new McpToolDeclaration("assign_ticket", new string('a', 64), new Dictionary<string, string> { ["ticketId"] = PathTemplate.RecordId }));

    [Fact]
    public void SameOrigin_PathThatLeavesTheBaseUrlsHost_IsRefused()
    {
        var baseUrl = new Uri("https://crm.contoso.example/api/");
        var call = new SystemCall("crm.accounts.read", "crm", HttpMethod.Get, "//evil.example/x", null, null);

        var error = Assert.Throws<StepRefusedException>(() => SystemClient.SameOrigin(baseUrl, call.Path, call));

        Assert.Contains("its path leads to https://evil.example, not to crm at https://crm.contoso.example", error.Message, StringComparison.Ordinal);
        Assert.Equal("crm.contoso.example", SystemClient.SameOrigin(baseUrl, "/\\evil.example/x", call).Host); // a backslash stays in the path here
        Assert.Equal(new Uri("https://crm.contoso.example/api/accounts/1"), SystemClient.SameOrigin(baseUrl, "/api/accounts/1", call));
    }

    [Fact]
    public void Build_WriteWhoseScopedAttributeNobodyRead_IsRefused()
    {
        var data = Data("""{"input": {"ticketId": "TCK-1"}, "draft": {"ticket": {"queue": "q1"}}}""");

        var error = Assert.Throws<StepRefusedException>(() => DeclaredCalls.Build(Assign, Helpdesk, data));

        Assert.Contains("the record's region is not known", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DraftRestatesTheToolsNamingArgument_IsRefused()
    {
        var data = Data("""{"input": {"ticketId": "TCK-1"}, "ticket": {"id": "TCK-1", "region": "emea"}, "draft": {"ticket": {"queue": "q1", "ticketId": "TCK-OTHER"}}}""");

        var error = Assert.Throws<StepRefusedException>(() => DeclaredCalls.Build(Assign, Helpdesk, data));

        Assert.Contains("the draft sets 'ticketId', which is the tool's naming argument", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ArgumentThatIsAnObject_IsRefused()
    {
        var read = Assign with { Name = "helpdesk.tickets.read", Record = null, Body = null, Tool = Assign.Tool! with { Arguments = new Dictionary<string, string> { ["ticketId"] = "input.ticketId" } } };
        var data = Data("""{"input": {"ticketId": {"id": "TCK-1", "or": "TCK-2"}}}""");

        var error = Assert.Throws<StepRefusedException>(() => DeclaredCalls.Build(read, Helpdesk, data));

        Assert.Contains("is an object, not one value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ToolCallWithItsRecordAndDraft_NamesTheRecordAndSendsTheDraftsFields()
    {
        var data = Data("""{"input": {"ticketId": "TCK-1"}, "ticket": {"id": "TCK-1", "region": "emea"}, "draft": {"ticket": {"queue": "q1"}}}""");

        var call = DeclaredCalls.Build(Assign, Helpdesk, data);

        Assert.Equal(("assign_ticket", "TCK-1", "emea"), (call.Path, call.Record!.Id, call.Record.Attributes["region"]));
        Assert.Equal("""{"ticketId":"TCK-1","queue":"q1"}""", call.Mcp!.AllArguments(call.Body).ToJsonString());
    }

    [Fact]
    public void Build_ToolArgumentSetFromRunData_IsAFieldTheGuardJudgesAndALineTheApproverSees()
    {
        var assignWithPriority = Assign with
        {
            Tool = Assign.Tool! with { Arguments = new Dictionary<string, string> { ["ticketId"] = PathTemplate.RecordId, ["priority"] = "route.to" } },
        };
        var data = Data("""{"input": {"ticketId": "TCK-1"}, "ticket": {"id": "TCK-1", "region": "emea", "priority": "P3"}, "route": {"to": "P1"}, "draft": {"ticket": {"queue": "q1"}}}""");

        var call = DeclaredCalls.Build(assignWithPriority, Helpdesk, data) with { Source = "ticket" };
        var change = WriteChange.Describe([call], data);

        Assert.Equal(["queue", "priority"], call.Fields);
        var priority = Assert.Single(change.Lines, l => l.Field == "priority");
        Assert.Equal(("P3", "P1"), (priority.Before, priority.After));
        var step = new StepDefinition("assign", StepKind.Write, "helpdesk-writer", "helpdesk", "helpdesk.tickets.assign",
            new StepScope(["helpdesk.tickets.assign"], new Dictionary<string, IReadOnlyList<string>> { ["region"] = ["emea"] }, ["queue"]), [], null, [], ApprovalPolicy.Unspecified, null);
        var identity = new IdentityDefinition("helpdesk-writer", "Writer", new Dictionary<string, string>(),
            [new SystemGrant("helpdesk", ["helpdesk.tickets.assign"], new Dictionary<string, IReadOnlyList<string>> { ["region"] = ["emea"] }, ["queue", "priority"])]);
        var refused = Assert.Throws<Core.Scope.ScopeViolationException>(() => Core.Scope.ScopeGuard.Check(step, identity, call.Operation, call.Record, call.Fields));
        Assert.Contains("field 'priority' is outside the step's scope", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_WriteToolWithoutABody_ItsValueArgumentsAreTheChange()
    {
        var close = Assign with
        {
            Name = "helpdesk.tickets.close",
            Body = null,
            Tool = Assign.Tool! with { Name = "close_ticket", Arguments = new Dictionary<string, string> { ["ticketId"] = PathTemplate.RecordId, ["reason"] = "route.to" } },
        };
        var data = Data("""{"input": {"ticketId": "TCK-1"}, "ticket": {"id": "TCK-1", "region": "emea"}, "route": {"to": "duplicate"}}""");

        var call = DeclaredCalls.Build(close, Helpdesk, data);

        Assert.Equal(["reason"], call.Fields);
        Assert.Equal(("reason", "duplicate"), (Assert.Single(WriteChange.Describe([call], data).Lines).Field, WriteChange.Describe([call], data).Lines[0].After));
    }

    private static JsonObject Data(string json) => JsonNode.Parse(json)!.AsObject();
}
