using System.Net;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Governed runs on a real host against faults of what they depend on: a system answering 500 to a write, the
/// managed-identity endpoint down, the mail server down. Each ends in a clear state, and nothing is written twice or
/// without its token. (429 with Retry-After, a system that keeps failing or hangs: GovernedRunTests and
/// SystemClientResilienceTests.)
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
public sealed class RunFaultTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Assignment = "/support/tickets/TCK-0000003/assignment";
    private DevServicesProcess dev = null!;

    public async Task InitializeAsync() => dev = await DevServicesProcess.StartAsync(azurite);

    public async Task DisposeAsync() => await dev.DisposeAsync();

    [Fact]
    public async Task Write_SystemAnswers500PastEveryRetry_StepFailsNamingItAndNothingIsWritten()
    {
        // support-routing's write declares no retry: the client's bounded attempts, then a clear failure.
        await using var host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev));
        await dev.InjectFaultAsync(new { path = Assignment, method = "PUT", mode = "fail-before-commit", status = 500, count = 50 });

        var done = await GovernedRuns.WaitFinishedAsync(host, await GovernedRuns.StartAsync(host, dev, "support-routing", new { ticketId = "TCK-0000003" }));

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        var failure = done.GetProperty("failure").GetProperty("reason").GetString();
        Assert.Contains("500 InternalServerError", failure, StringComparison.Ordinal);
        Assert.Equal("write-assignment", done.GetProperty("failure").GetProperty("step").GetString());
        var puts = (await dev.RequestsToAsync("support", Assignment)).Where(r => r.GetProperty("method").GetString() == "PUT").ToList();
        Assert.InRange(puts.Count, 2, 10); // bounded
        Assert.All(puts, p => Assert.Equal(500, p.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task Run_IdentityEndpointDown_StepFailsAndNothingIsWritten()
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        settings["IDENTITY_ENDPOINT"] = $"http://127.0.0.1:{FreePort.Next()}/msi/token"; // nothing listens there
        await using var host = await HostProcess.StartHealthyAsync(settings);

        var done = await GovernedRuns.WaitFinishedAsync(host, await GovernedRuns.StartAsync(host, dev, "support-routing", new { ticketId = "TCK-0000003" }));

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        Assert.Equal("read-ticket", done.GetProperty("failure").GetProperty("step").GetString());
        Assert.Empty(await dev.RequestsAsync("support")); // no call left without its token
        Assert.Empty(done.GetProperty("steps").EnumerateArray());
    }

    [Fact]
    public async Task Gate_MailServerDown_GateStillWaitsAndTheFailedNoticeIsInTheLedger()
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        settings["AgentOps__Email__Host"] = "127.0.0.1";
        settings["AgentOps__Email__Port"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture); // nothing listens there
        settings["AgentOps__Email__Security"] = "None";
        settings["AgentOps__Email__From"] = "approvals@contoso.example";
        await using var host = await HostProcess.StartHealthyAsync(settings);
        var runId = await GovernedRuns.StartAsync(host, dev, "crm-followup", new { accountId = "ACC-000002" });

        var waiting = await GovernedRuns.WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval"
            && s.GetProperty("notices").GetArrayLength() >= 1, "at its gate, its notice tried");

        var notice = waiting.GetProperty("notices")[0];
        Assert.NotEmpty(notice.GetProperty("failures").EnumerateArray());
        Assert.Contains((await GovernedRuns.EvidenceAsync(host, runId)).Where(r => r.GetProperty("kind").GetString() == "notice"),
            r => r.GetProperty("data").GetProperty("failures").GetArrayLength() > 0);

        // The gate still waits and still counts a decision: the approver answers without the mail.
        await GovernedRuns.ApproveAsync(host, dev, runId);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);
        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        Assert.Equal(1, await GovernedRuns.RecordsAsync(dev, "crm", "/crm/accounts/ACC-000002/tasks", "crm-reader"));
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync($"/api/evidence/verify?run={runId}")).StatusCode);
    }
}
