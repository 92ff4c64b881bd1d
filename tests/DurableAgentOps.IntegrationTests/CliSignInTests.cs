using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The CLI as people use it, against a real host and the dev sign-in provider: each person signs in on their own
/// (their own AGENTOPS_HOME), and the host knows them only from that sign-in.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CliSignInTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string homes = Directory.CreateTempSubdirectory("agentops-people-").FullName;
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);

        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
        Directory.Delete(homes, recursive: true);
    }

    [Fact]
    public async Task Cli_AliceStartsBobApproves_TheInitiatorAndAnOutsiderAreRefused()
    {
        var login = await CliAsync("alice", "login", "--dev", "alice", "--authority", dev.Authority);
        Assert.True(login.ExitCode == 0, login.Error);
        Assert.Matches(@"^signed in as Alice Martin <alice@contoso\.example> for api://durableagentops until .+ \(dev\)\n$", login.Out);

        var started = await CliAsync("alice", "run", "crm-followup", "-i", "accountId=ACC-000002", "--no-wait", "--format", "json");
        Assert.True(started.ExitCode == 0, started.Error);
        var runId = JsonDocument.Parse(started.Out).RootElement.GetProperty("runId").GetString()!;
        await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", TimeSpan.FromSeconds(90), "waiting");

        var own = await CliAsync("alice", "approve", runId);
        Assert.Equal(5, own.ExitCode);
        Assert.Contains("not allowed: Alice Martin started run", own.Error, StringComparison.Ordinal);

        Assert.Equal(0, (await CliAsync("mallory", "login", "--dev", "mallory@contoso.example", "--authority", dev.Authority)).ExitCode);
        var outsider = await CliAsync("mallory", "approve", runId);
        Assert.Equal(5, outsider.ExitCode);
        Assert.Contains("Mallory Outsider is not an approver of gate manager-review", outsider.Error, StringComparison.Ordinal);

        Assert.Equal(0, (await CliAsync("bob", "login", "--dev", "bob.manager", "--authority", dev.Authority)).ExitCode);
        var pending = await CliAsync("bob", "approvals");
        Assert.True(pending.ExitCode == 0, pending.Error);
        Assert.Contains(runId, pending.Out, StringComparison.Ordinal);
        Assert.Contains("crm.tasks.create, crm.notes.create on", pending.Out, StringComparison.Ordinal);
        Assert.Contains("group emea-sales-managers", pending.Out, StringComparison.Ordinal);
        var none = await CliAsync("mallory", "approvals");
        Assert.Equal("nothing waits for Mallory Outsider\n", none.Out);
        var approved = await CliAsync("bob", "approve", runId, "--comment", "looks right");
        Assert.True(approved.ExitCode == 0, approved.Error);
        Assert.Equal($"decision recorded: Bob Manager approved {runId} at manager-review as group emea-sales-managers\n", approved.Out);

        var done = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() == "Completed", TimeSpan.FromSeconds(90), "completed");
        var decision = done.GetProperty("approvals").EnumerateArray().Single();
        Assert.Equal("cli", decision.GetProperty("channel").GetString());
        Assert.Equal("looks right", decision.GetProperty("comment").GetString());
    }

    [Fact]
    public async Task Cli_Whoami_ShowsThePersonAndLogoutForgetsThem()
    {
        Assert.Equal(0, (await CliAsync("ivan", "login", "--dev", "ivan.investigator@contoso.example", "--authority", dev.Authority)).ExitCode);

        var whoami = await CliAsync("ivan", "whoami");
        var logout = await CliAsync("ivan", "logout");
        var after = await CliAsync("ivan", "whoami");

        Assert.Equal(0, whoami.ExitCode);
        Assert.StartsWith("Ivan Investigator <ivan.investigator@contoso.example> (dev sign-in at ", whoami.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("eyJ", whoami.Out + whoami.Error, StringComparison.Ordinal);
        Assert.Equal("signed out Ivan Investigator <ivan.investigator@contoso.example>\n", logout.Out);
        Assert.Equal(4, after.ExitCode);
    }

    [Fact]
    public async Task Cli_LoginAsSomeoneTheDirectoryLacks_ExitsFourListingWhoItHas()
    {
        var result = await CliAsync("nobody", "login", "--dev", "eve@contoso.example", "--authority", dev.Authority);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("the dev directory has no person 'eve@contoso.example'; it has: alice@contoso.example", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(homes, "nobody", "login.json")));
    }

    [Fact]
    public async Task Cli_SignedInForAnotherAudience_ExitsFourWithTheHostsReason()
    {
        Assert.Equal(0, (await CliAsync("other", "login", "--dev", "alice@contoso.example", "--authority", dev.Authority, "--scope", "api://other-app/.default")).ExitCode);

        var result = await CliAsync("other", "run", "crm-followup", "-i", "accountId=ACC-000002");

        Assert.Equal(4, result.ExitCode);
        Assert.Equal("agentops run: the host refused your sign-in: The token is for audience 'api://other-app'; this host accepts only 'api://durableagentops'.\n", result.Error);
    }

    [Fact]
    public async Task Cli_RunNoWait_PrintsTheRunPageWhichOpensWithoutABearerToken()
    {
        Assert.Equal(0, (await CliAsync("alice", "login", "--dev", "alice", "--authority", dev.Authority)).ExitCode);

        var started = await CliAsync("alice", "run", "crm-followup", "-i", "accountId=ACC-000002", "--no-wait");

        Assert.True(started.ExitCode == 0, started.Error);
        var printed = System.Text.RegularExpressions.Regex.Match(started.Out, @"^run (?<id>\S+) started \(crm-followup\); follow it at (?<url>\S+)\n$");
        Assert.True(printed.Success, started.Out);
        Assert.Equal($"{host.BaseUrl}/runs/{printed.Groups["id"].Value}/overview", printed.Groups["url"].Value);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        using var page = await browser.GetAsync(printed.Groups["url"].Value);
        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Sign in to follow this run", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_PersonWithoutTheStarterRole_ExitsFiveNamingTheRole()
    {
        Assert.Equal(0, (await CliAsync("bob", "login", "--dev", "bob.manager@contoso.example", "--authority", dev.Authority)).ExitCode);

        var result = await CliAsync("bob", "run", "crm-followup", "-i", "accountId=ACC-000002");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("not allowed: starting a run needs the app role AgentOps.Starter", result.Error, StringComparison.Ordinal);
    }

    private Task<(int ExitCode, string Out, string Error)> CliAsync(string person, params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, person), host.BaseUrl, args);
}
