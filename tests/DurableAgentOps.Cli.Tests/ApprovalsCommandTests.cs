using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

/// <summary>agentops approvals against a fake host: pages asked for as the user says, bad paging refused before any request.</summary>
public sealed class ApprovalsCommandTests : IAsyncLifetime
{
    private FakeHost host = null!;

    public async Task InitializeAsync() => host = await FakeHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private CliResult Approvals(params string[] args) => CliRunner.InProcess(["approvals", "--host", host.Url, .. args]);

    private static IResult Page(string? next, params string[] runIds) => Results.Json(new
    {
        approver = new { id = "t/b2", name = "Bob Manager", upn = "bob.manager@contoso.example" },
        pending = runIds.Select(id => new
        {
            runId = id, workflow = "crm-followup", stepId = "write-followup", gate = "manager-review", change = "crm.tasks.create on ACC-000002",
            deadline = "2026-12-03T10:00:00Z", approvalsSoFar = 0, quorum = 1, youAre = "group emea-sales-managers",
        }),
        next,
    });

    [Fact]
    public void Approvals_MorePagesFollow_PrintsThePageAndTheCommandForTheNext()
    {
        host.Pending = query => Page("g1.MDAx", "run-1", "run-2");

        var result = Approvals("--page-size", "2");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("run-1", result.Out, StringComparison.Ordinal);
        Assert.Contains("run-2", result.Out, StringComparison.Ordinal);
        Assert.EndsWith("2 on this page; next page: agentops approvals --next g1.MDAx\n", result.Out, StringComparison.Ordinal);
        Assert.Equal("?pageSize=2", Assert.Single(host.Requests).Query);
    }

    [Fact]
    public void Approvals_APageOfClosedGates_IsFollowedToTheNextThatListsSome()
    {
        host.Pending = query => query.Contains("next=g1.MDAx", StringComparison.Ordinal) ? Page(null, "run-3") : Page("g1.MDAx");

        var result = Approvals("--next", "g1.MDAw");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("run-3", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("next page", result.Out, StringComparison.Ordinal);
        Assert.Equal(["?pageSize=50&next=g1.MDAw", "?pageSize=50&next=g1.MDAx"], host.Requests.Select(r => r.Query));
    }

    [Fact]
    public void Approvals_NothingWaits_SaysSoByName()
    {
        var result = Approvals();

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("nothing waits for Bob Manager\n", result.Out);
    }

    [Fact]
    public void Approvals_HostRefusesTheToken_ExitsTwoWithItsReason()
    {
        host.Pending = _ => Results.Problem("'next' is not a page token of this list.", statusCode: 400, title: "Bad page token.");

        var result = Approvals("--next", "g1.AAAA");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'next' is not a page token of this list.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--page-size", "0", "--page-size must be from 1 to 200, not 0")]
    [InlineData("--page-size", "201", "--page-size must be from 1 to 200, not 201")]
    [InlineData("--next", "g1.a/b", "--next takes the token a previous page printed")]
    public void Approvals_BadPaging_ExitsTwoBeforeAnyRequest(string option, string value, string expected)
    {
        var result = Approvals(option, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
        Assert.Empty(host.Requests);
    }
}
