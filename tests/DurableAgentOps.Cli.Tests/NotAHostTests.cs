using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

/// <summary>
/// --host pointed at a web server that is not a DurableAgentOps host: each command says so, naming what GET /api/host
/// answered, and exits 3 (no DurableAgentOps host there), instead of reading the server's 404 as "no such workflow".
/// </summary>
public sealed class NotAHostTests : IAsyncLifetime
{
    private OtherWebServer server = null!;

    public async Task InitializeAsync() => server = await OtherWebServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public void Run_WebServerAnswering404Pages_SaysItIsNotADurableAgentOpsHostAndExitsThree()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "run", "crm-followup", "--host", server.Url, "--input", "accountId=ACC-000001");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"agentops: {server.Url} is not a DurableAgentOps host (GET /api/host answered 404 text/html)\n", result.Error);
        Assert.DoesNotContain("no workflow", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
        Assert.Equal(["POST /api/workflows/crm-followup/runs", "GET /api/host"], server.Paths);
    }

    [Fact]
    public void ExplainHost_ServerAnsweringJsonOfItsOwn_SaysItIsNotADurableAgentOpsHostAndExitsThree()
    {
        server.Answer = (_, path) => path == "/api/host" ? Results.Json(new { status = "healthy", version = "2.4.1" }) : OtherWebServer.NotFoundPage;

        var result = CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml"), "--host", server.Url);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"agentops: {server.Url} is not a DurableAgentOps host (GET /api/host answered 200 application/json)\n", result.Error);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Approve_SinglePageAppAnsweringEveryGetWithItsPage_SaysItIsNotADurableAgentOpsHostAndExitsThree()
    {
        // A single-page app: every GET gets index.html (200), anything else 405 with no body.
        server.Answer = (method, _) => method == "GET"
            ? Results.Content("<!doctype html><div id=\"app\"></div>", "text/html")
            : Results.StatusCode(405);

        var result = CliRunner.InProcess("approve", "run-1", "--host", server.Url);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"agentops: {server.Url} is not a DurableAgentOps host (GET /api/host answered 200 text/html)\n", result.Error);
    }

    [Fact]
    public void Runs_ApiAnsweringItsOwnJson404_SaysItIsNotADurableAgentOpsHostAndExitsThree()
    {
        server.Answer = (_, _) => Results.Json(new { error = "not_found" }, statusCode: 404);

        var result = CliRunner.InProcess("runs", "--host", server.Url);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"agentops: {server.Url} is not a DurableAgentOps host (GET /api/host answered 404 application/json)\n", result.Error);
    }

    [Fact]
    public async Task Run_DurableAgentOpsHostRefusingTheSignInAtApiHost_IsStillTakenForOneAndNamesTheUnknownWorkflow()
    {
        // A DurableAgentOps host answers a 404 for an unknown workflow too; its GET /api/host, even when it refuses the
        // caller, is a problem document, so the CLI keeps the host's own answer.
        await using var host = await FakeHost.StartAsync();
        host.Host = () => Results.Problem("The token expired.", statusCode: 401, title: "Sign-in required.");
        host.StartRun = name => Results.Problem($"This host has no workflow named '{name}'.", statusCode: 404, title: "Unknown workflow.");

        var result = CliRunner.InProcess("run", "no-such-flow", "--host", host.Url);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"agentops run: the host at {host.Url} has no workflow named 'no-such-flow'", result.Error, StringComparison.Ordinal);
        Assert.Equal(["/api/workflows/no-such-flow/runs", "/api/host"], host.Requests.Select(r => r.Path));
    }
}
