using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

public sealed class ApproveCommandTests : IAsyncLifetime
{
    private FakeHost host = null!;

    public async Task InitializeAsync() => host = await FakeHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private CliResult Approve(params string[] args) => CliRunner.InProcess(["approve", "run-1", "--host", host.Url, .. args]);

    [Fact]
    public void Approve_Accepted_PostsOnlyTheDecisionWithTheSignedInTokenAndPrintsWhoTheHostRecorded()
    {
        var result = Approve("--comment", "looks right");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("decision recorded: Bob Manager approved run-1 at manager-review as group emea-sales-managers\n", result.Out);
        var request = Assert.Single(host.Requests);
        Assert.Equal(("POST", "/api/runs/run-1/approvals"), (request.Method, request.Path));
        Assert.Equal("""{"approved":true,"comment":"looks right"}""", request.Body!.ToJsonString());
        Assert.Equal("Bearer " + SignedIn.Token, request.Authorization);
    }

    [Fact]
    public void Approve_Reject_SendsApprovedFalse()
    {
        var result = Approve("--reject");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("decision recorded: Bob Manager rejected run-1 at manager-review", result.Out, StringComparison.Ordinal);
        Assert.False((bool)host.Requests[0].Body!["approved"]!);
    }

    [Theory]
    [InlineData(403, "Alice Martin started run 'run-1' and may not decide it.", 5, "not allowed: ")]
    [InlineData(401, "The token expired at 2026-12-01 10:00:00Z; sign in again (agentops login).", 4, "the host refused your sign-in: ")]
    [InlineData(409, "Run 'run-1' is Completed (completed).", 1, "")]
    [InlineData(404, "No run with id 'run-1'.", 1, "")]
    public void Approve_Refused_PrintsTheProblemDetailAndExitsWithItsCode(int status, string detail, int exitCode, string prefix)
    {
        host.Approve = _ => Results.Problem(detail, statusCode: status);

        var result = Approve();

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal($"agentops approve: {prefix}{detail}\n", result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Approve_RefusedWithoutProblemBody_NamesTheStatus()
    {
        host.Approve = _ => Results.StatusCode(502);

        var result = Approve();

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops approve: the host answered 502 BadGateway\n", result.Error);
    }

    [Fact]
    public void Approve_HostUnreachable_ExitsThreeNamingTheUrl()
    {
        var url = RunCommandTests.ClosedPortUrl();

        var result = CliRunner.InProcess("approve", "run-1", "--host", url);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"agentops: cannot reach the DurableAgentOps host at {url}: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Approve_NotSignedIn_ExitsFourWithoutCallingTheHost()
    {
        using var home = SignedIn.EmptyHome();

        var result = CliRunner.Executable(AppContext.BaseDirectory, home.Environment, "approve", "run-1", "--host", host.Url);

        Assert.Equal(4, result.ExitCode);
        Assert.StartsWith("agentops approve: not signed in", result.Error, StringComparison.Ordinal);
        Assert.Empty(host.Requests);
    }
}
