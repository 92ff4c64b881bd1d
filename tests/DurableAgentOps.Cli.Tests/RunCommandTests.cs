using System.Net;
using System.Net.Sockets;
using DurableAgentOps.Cli.Commands;
using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

public sealed class RunCommandTests : IAsyncLifetime
{
    private FakeHost host = null!;

    public async Task InitializeAsync() => host = await FakeHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>A loopback URL nothing listens on: a port the OS handed out and that was closed again.</summary>
    internal static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    private CliResult Run(params string[] args) => CliRunner.InProcess(["run", "crm-followup", "--host", host.Url, .. args]);

    [Fact]
    public void Run_Accepted_PostsInputWithTheSignedInTokenThenWatchesEachStepToCompletion()
    {
        host.EnqueueStatus(RunStatuses.ApprovedRun());

        var result = Run("--input", "accountId=ACC-000001");

        Assert.Equal(0, result.ExitCode);
        var start = host.Requests[0];
        Assert.Equal(("POST", "/api/workflows/crm-followup/runs"), (start.Method, start.Path));
        Assert.Equal("""{"input":{"accountId":"ACC-000001"}}""", start.Body!.ToJsonString());
        Assert.All(host.Requests, r => Assert.Equal("Bearer " + SignedIn.Token, r.Authorization));
        Assert.Equal(
            """
            run run-1 started (crm-followup) as Alice Martin
              ✓ read-account (read) as crm-reader [6f1c0a10-0000-4000-8000-000000000001]: ok; touched ACC-000001
              ✓ read-last-call (read) as crm-reader [6f1c0a10-0000-4000-8000-000000000001]: ok; touched CALL-00000042
              ✓ draft-followup (draft) as drafter [6f1c0a10-0000-4000-8000-000000000007]: ok; touched nothing
              ✓ route-by-tier (route) as router [6f1c0a10-0000-4000-8000-000000000008]: ok; touched nothing
              ⏸ waiting for approval at gate manager-review: asked members of emea-sales-managers, timeout P2D; follow it at https://pages.contoso.example/api/runs/run-1/overview
              ✓ write-followup (write) as crm-writer [6f1c0a10-0000-4000-8000-000000000002]: ok; touched TASK-1, NOTE-1
            run run-1 finished: completed

            """,
            result.Out);
        Assert.Empty(result.Error);
        Assert.All(host.Requests.Skip(1), r => Assert.Equal(("GET", "/api/runs/run-1"), (r.Method, r.Path)));
    }

    [Fact]
    public void Run_HostWithTheGuardOff_SaysSoOnceBeforeAnyStep()
    {
        var statuses = RunStatuses.ApprovedRun().Select(json =>
        {
            var status = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
            status["governanceOff"] = new System.Text.Json.Nodes.JsonArray("scope-guard");
            return status.ToJsonString();
        }).ToArray();
        host.EnqueueStatus(statuses);

        var result = Run("--input", "accountId=ACC-000001");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Out.Split('\n');
        Assert.Equal("  ! governance OFF on the host that started this run: scope-guard", lines[1]);
        Assert.Single(lines, l => l.Contains("governance OFF", StringComparison.Ordinal));
    }

    [Fact]
    public void Run_FailedRun_PrintsFailureStepIdentityReasonAndExitsOne()
    {
        var failure = new System.Text.Json.Nodes.JsonObject
        {
            ["step"] = "read-account",
            ["identity"] = "crm-reader",
            ["reason"] = "ScopeViolation: step 'read-account' (identity crm-reader) may not crm.accounts.read on ACC-000009: record region 'apac' is outside the step's scope (allowed: emea)",
        };
        host.EnqueueStatus(RunStatuses.Status("Failed", "failed", [], outcome: "failed", failure: failure));

        var result = Run("--input", "accountId=ACC-000009");

        Assert.Equal(1, result.ExitCode);
        Assert.EndsWith(
            """
            run run-1 finished: failed
            failure.step: read-account
            failure.identity: crm-reader
            failure.reason: ScopeViolation: step 'read-account' (identity crm-reader) may not crm.accounts.read on ACC-000009: record region 'apac' is outside the step's scope (allowed: emea)

            """,
            result.Out,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Terminated_ExitsOne()
    {
        host.EnqueueStatus(RunStatuses.Status("Terminated", "running", [RunStatuses.ReadAccount]));

        var result = Run("--input", "accountId=ACC-000001");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("run run-1 finished: terminated", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoWait_PrintsTheRunPageTheHostNamesWithoutPolling()
    {
        var result = Run("--input", "accountId=ACC-000001", "--no-wait");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"run run-1 started (crm-followup); follow it at {FakeHost.RunPage}\n", result.Out);
        Assert.DoesNotContain("/api/runs/run-1\n", result.Out, StringComparison.Ordinal);
        Assert.Single(host.Requests);
    }

    [Fact]
    public void Run_NoWaitAgainstAHostThatNamesNoRunPage_PrintsTheRunPageOnTheHostItTalksTo()
    {
        host.StartRun = name => Results.Json(new { runId = "run-1", workflow = name, statusUrl = "/api/runs/run-1" }, statusCode: 202);

        var result = Run("--input", "accountId=ACC-000001", "--no-wait");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"run run-1 started (crm-followup); follow it at {host.Url}/runs/run-1/overview\n", result.Out);
    }

    [Fact]
    public void Run_NoWaitJson_PrintsTheHostsAnswer()
    {
        var result = Run("--input", "accountId=ACC-000001", "--no-wait", "--format", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"runId":"run-1","workflow":"crm-followup","initiator":{"id":"t/a1","name":"Alice Martin","upn":"alice@contoso.example"},"statusUrl":"/api/runs/run-1","runPage":"https://pages.contoso.example/api/runs/run-1/overview"}""" + "\n", result.Out);
    }

    [Fact]
    public void Run_Json_FinalStatusOnStdoutAndProgressOnStderr()
    {
        host.EnqueueStatus(RunStatuses.ApprovedRun());

        var result = Run("--input-json", """{"accountId":"ACC-000001"}""", "--format", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(RunStatuses.ApprovedRun()[^1] + "\n", result.Out);
        Assert.Contains("✓ write-followup (write)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InputTooLarge400_PrintsTheWholeInputErrorWithoutAField()
    {
        host.StartRun = _ => Results.Problem("input is 20000 bytes; the limit is 16384", statusCode: 400, title: "The run input is invalid.", extensions: new Dictionary<string, object?>
        {
            ["errors"] = new[] { new { field = string.Empty, message = "input is 20000 bytes; the limit is 16384" } },
        });

        var result = Run("--input", "accountId=ACC-000001");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("agentops run: the host refused the input of crm-followup:\ninput is 20000 bytes; the limit is 16384\n", result.Error);
    }

    [Fact]
    public void Run_BadInput400_PrintsEachFieldAndExitsOne()
    {
        host.StartRun = _ => Results.Problem("input.accountId: ...; input.extra: ...", statusCode: 400, title: "The run input is invalid.", extensions: new Dictionary<string, object?>
        {
            ["errors"] = new[]
            {
                new { field = "accountId", message = "accountId: expected a string matching ^ACC-[0-9]{6}$, got string 'ACC-1'" },
                new { field = "extra", message = "extra is not an input of crm-followup: expected one of accountId, callId" },
            },
        });

        var result = Run("--input", "accountId=ACC-1", "--input", "extra=1");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            """
            agentops run: the host refused the input of crm-followup:
            input.accountId: accountId: expected a string matching ^ACC-[0-9]{6}$, got string 'ACC-1'
            input.extra: extra is not an input of crm-followup: expected one of accountId, callId

            """,
            result.Error);
        Assert.Single(host.Requests);
    }

    [Fact]
    public void Run_UnknownWorkflow404_SaysSoSuggestsTheNearestLocalWorkflowAndExitsOne()
    {
        host.StartRun = name => Results.Problem($"No workflow named '{name}' in /srv/workflows.", statusCode: 404, title: "Unknown workflow.");
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "run", "crm-folowup", "--host", host.Url, "--input", "accountId=ACC-000001");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentops run: the host at {host.Url} has no workflow named 'crm-folowup' (No workflow named 'crm-folowup' in /srv/workflows.); did you mean 'crm-followup'?\n", result.Error);
    }

    [Fact]
    public void Run_UnknownWorkflowLikeNoLocalOne_SuggestsNothing()
    {
        host.StartRun = name => Results.Problem($"No workflow named '{name}'.", statusCode: 404, title: "Unknown workflow.");
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, "run", "payroll-export", "--host", host.Url);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"agentops run: the host at {host.Url} has no workflow named 'payroll-export' (No workflow named 'payroll-export'.)\n", result.Error);
    }

    [Fact]
    public void Run_OtherRefusal_PrintsTheProblemDetail()
    {
        host.StartRun = _ => Results.Problem("crm-followup.yaml:3:1: error DAO004: ...; run 'agentops validate' to see every finding.", statusCode: 422, title: "The workflow file has errors.");

        var result = Run("--input", "accountId=ACC-000001");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("agentops run: the host refused to start crm-followup: crm-followup.yaml:3:1: error DAO004", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_HostUnreachable_ExitsThreeNamingTheUrl()
    {
        var url = ClosedPortUrl();

        var result = CliRunner.InProcess("run", "crm-followup", "--host", url, "--input", "accountId=ACC-000001");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"agentops: cannot reach the DurableAgentOps host at {url}: ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_StatusNotYetVisible_KeepsPolling()
    {
        // The first reads find no run (404), as a host in a cluster may answer before the instance is visible.
        var run = Task.Run(() => Run("--input", "accountId=ACC-000001"));
        while (host.Requests.Count(r => r.Method == "GET") < 2)
        {
            Assert.False(run.IsCompleted, "the CLI gave up after a 404");
            await Task.Delay(50);
        }

        host.EnqueueStatus(RunStatuses.ApprovedRun()[^1]);
        var result = await run;

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("run run-1 finished: completed", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Interrupted_StopsWatchingWithoutTouchingTheRun()
    {
        host.EnqueueStatus(RunStatuses.ApprovedRun()[1]);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var interrupt = new CancellationTokenSource();

        var watching = RunCommand.RunAsync(new CliContext(output, error),
            new RunArguments("crm-followup", ["accountId=ACC-000001"], null, host.Url, NoWait: false, "text"), interrupt.Token);
        while (host.Requests.Count(r => r.Method == "GET") < 2)
        {
            Assert.False(watching.IsCompleted, "the CLI stopped before it was interrupted");
            await Task.Delay(50);
        }

        await interrupt.CancelAsync();
        var code = await watching;

        Assert.Equal(130, code);
        Assert.Contains("⏸ waiting for approval at gate manager-review", output.ToString(), StringComparison.Ordinal);
        Assert.Equal($"stopped watching run run-1; the run goes on: follow it at {FakeHost.RunPage}\n", error.ToString());
        Assert.DoesNotContain("agentops approve", output.ToString() + error.ToString(), StringComparison.Ordinal);
        Assert.Single(host.Requests, r => r.Method == "POST");
    }

    [Fact]
    public void Run_Executable_CoercesByLocalSchemaAndDefaultsFromEnvironment()
    {
        using var repo = CliRunner.CopyOfWorkflows();
        repo.Edit("workflows/crm-followup.yaml", "input:\n", "input:\n  maxTasks:\n    type: integer\n  urgent:\n    type: boolean\n");
        var environment = new Dictionary<string, string?> { ["AGENTOPS_HOST"] = host.Url };

        var result = CliRunner.Executable(repo.Root, environment, "run", "crm-followup", "--no-wait",
            "-i", "accountId=000001", "-i", "maxTasks=2", "-i", "urgent=false");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"input":{"accountId":"000001","maxTasks":2,"urgent":false}}""", host.Requests[0].Body!.ToJsonString());
    }

    [Fact]
    public void Run_BadArguments_ExitOneWithoutCallingTheHost()
    {
        var result = Run("--input", "accountId", "--input-json", "[]");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--input-json must be a JSON object", result.Error, StringComparison.Ordinal);
        Assert.Contains("--input 'accountId': expected key=value", result.Error, StringComparison.Ordinal);
        Assert.Empty(host.Requests);
    }

    [Fact]
    public void Run_NotSignedIn_ExitsFourWithoutCallingTheHost()
    {
        using var home = SignedIn.EmptyHome();

        var result = CliRunner.Executable(AppContext.BaseDirectory, home.Environment, "run", "crm-followup", "--host", host.Url, "-i", "accountId=ACC-000001");

        Assert.Equal(4, result.ExitCode);
        Assert.Equal("agentops run: not signed in: run 'agentops login' (locally: 'agentops login --dev <person>')\n", result.Error);
        Assert.Empty(host.Requests);
    }

    [Fact]
    public void Run_SignInExpired_ExitsFourNamingWhoAndWhen()
    {
        using var home = SignedIn.Home(expiresOn: DateTimeOffset.UtcNow.AddMinutes(-5));

        var result = CliRunner.Executable(AppContext.BaseDirectory, home.Environment, "run", "crm-followup", "--host", host.Url, "-i", "accountId=ACC-000001");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("agentops run: your sign-in as Alice Martin <alice@contoso.example> expired at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(host.Requests);
    }

    [Theory]
    [InlineData(401, "The token is for audience 'api://other'; this host accepts only 'api://durableagentops'.", 4, "the host refused your sign-in: ")]
    [InlineData(403, "starting a run needs the app role AgentOps.Starter; Mallory holds no app role.", 5, "not allowed: ")]
    public void Run_HostRefusesTheCaller_PrintsWhyAndExitsWithItsCode(int status, string detail, int exitCode, string prefix)
    {
        host.StartRun = _ => Results.Problem(detail, statusCode: status);

        var result = Run("--input", "accountId=ACC-000001");

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Equal($"agentops run: {prefix}{detail}\n", result.Error);
    }

    [Fact]
    public void Run_AsOption_IsGoneAndRefused()
    {
        var result = Run("--as", "alice", "--input", "accountId=ACC-000001");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--as", result.Error, StringComparison.Ordinal);
        Assert.Empty(host.Requests);
    }
}
