using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

public sealed class ApproveCommandTests : IAsyncLifetime
{
    private FakeHost host = null!;

    public async Task InitializeAsync() => host = await FakeHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private CliResult Approve(params string[] args) => CliRunner.InProcess(["approve", "run-1", "--host", host.Url, .. args]);

    [Fact]
    public void Approve_Accepted_PostsDecisionAndPrintsIt()
    {
        var result = Approve("--as", "ana.silva@contoso.example", "--comment", "looks right");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("approval recorded: ana.silva@contoso.example approved run-1 at manager-review\n", result.Out);
        var request = Assert.Single(host.Requests);
        Assert.Equal(("POST", "/api/runs/run-1/approvals"), (request.Method, request.Path));
        Assert.Equal("""{"approver":"ana.silva@contoso.example","approved":true,"comment":"looks right","channel":"cli"}""", request.Body!.ToJsonString());
    }

    [Fact]
    public void Approve_Reject_SendsApprovedFalse()
    {
        var result = Approve("--reject", "--as", "ana");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("approval recorded: ana rejected run-1 at manager-review\n", result.Out);
        Assert.False((bool)host.Requests[0].Body!["approved"]!);
    }

    [Theory]
    [InlineData(403, "alice started run 'run-1' and may not approve it.")]
    [InlineData(409, "Run 'run-1' is Completed (completed).")]
    [InlineData(404, "No run with id 'run-1'.")]
    public void Approve_Refused_PrintsTheProblemDetailAndExitsOne(int status, string detail)
    {
        host.Approve = _ => Results.Problem(detail, statusCode: status);

        var result = Approve("--as", "alice");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentops approve: {detail}\n", result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Approve_RefusedWithoutProblemBody_NamesTheStatus()
    {
        host.Approve = _ => Results.StatusCode(502);

        var result = Approve("--as", "ana");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops approve: the host answered 502 BadGateway\n", result.Error);
    }

    [Fact]
    public void Approve_HostUnreachable_ExitsThreeNamingTheUrl()
    {
        var url = RunCommandTests.ClosedPortUrl();

        var result = CliRunner.InProcess("approve", "run-1", "--host", url, "--as", "ana");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"agentops: cannot reach the DurableAgentOps host at {url}: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Approve_Executable_DefaultsApproverToUser()
    {
        var result = CliRunner.Executable(AppContext.BaseDirectory, new Dictionary<string, string?> { ["USER"] = "carol" }, "approve", "run-1", "--host", host.Url);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("carol", (string)host.Requests[0].Body!["approver"]!);
    }
}
