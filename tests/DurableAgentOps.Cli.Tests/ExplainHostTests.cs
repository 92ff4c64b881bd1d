using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

/// <summary>
/// agentops explain --host: the file explained as a running host enforces it (GET /api/host with the stored sign-in);
/// lines its switches leave out are marked. Without --host explain reads the file only.
/// </summary>
public sealed class ExplainHostTests : IAsyncLifetime
{
    private const string NotEnforced = "(declared, not enforced by this host)";

    private FakeHost host = null!;

    private static string Crm => Path.Combine(CliRunner.ShippedWorkflows, "crm-followup.yaml");

    public async Task InitializeAsync() => host = await FakeHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public void ExplainHost_GuardOff_MarksTheScopeOfEachReadAndWriteAndTheIsolation()
    {
        host.Host = () => FakeHost.HostAnswer(scopeGuard: false, evidence: true, "Development", "azure");

        var result = CliRunner.InProcess("explain", Crm, "--host", host.Url);

        Assert.True(result.ExitCode == 0, result.Error);
        var request = Assert.Single(host.Requests);
        Assert.Equal(("GET", "/api/host", "Bearer " + SignedIn.Token), (request.Method, request.Path, request.Authorization));
        Assert.Contains("Host: Development environment, identities azure; scope guard OFF, evidence on", result.Out, StringComparison.Ordinal);
        Assert.Contains("Client ids: azure environment", result.Out, StringComparison.Ordinal); // the host's, as -e was not given
        Assert.Equal(3, CountOf(result.Out, NotEnforced)); // in the scope cells of the reads and the write
        Assert.Contains("Scope: declared, not enforced by this host: this host's scope guard is off (AgentOps:ScopeGuardEnabled=false, Development host)", result.Out, StringComparison.Ordinal);
        Assert.Contains("Isolation: shared-app: all identities are attached to one app, so per-step identities are a policy boundary enforced by the scope guard, not a process boundary "
            + "(declared, not enforced by this host: this host's scope guard is off", result.Out, StringComparison.Ordinal);
        Assert.Contains("\nEvidence\n", result.Out, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(CliRunner.InProcess("explain", Crm, "--host", host.Url, "--format", "json").Out);
        Assert.Equal(
            [("read-account", false), ("read-last-call", false), ("draft-followup", true), ("route-by-tier", true), ("write-followup", false)],
            json.RootElement.GetProperty("steps").EnumerateArray().Select(s => (s.GetProperty("id").GetString(), s.GetProperty("scopeEnforcement").GetProperty("enforced").GetBoolean())));
    }

    [Fact]
    public void ExplainHost_GuardOff_SaysADelegatedStepIsLimitedToWhatThePersonMayDoAlone()
    {
        host.Host = () => FakeHost.HostAnswer(scopeGuard: false, evidence: true, "Development", "azure");

        var result = CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, "crm-call-note.yaml"), "--host", host.Url, "--format", "json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var read = json.RootElement.GetProperty("steps")[1];
        Assert.Equal("${AGENTOPS_API_CLIENT_ID}", read.GetProperty("clientId").GetString()); // the host's identities environment
        Assert.Equal("acts for the initiator (delegated) via app ${AGENTOPS_API_CLIENT_ID}, limited to what the person may do in crm "
            + $"(its declared scope, crm.calls.read on region: emea: {Core.Explain.Enforcement.NotEnforced})", read.GetProperty("delegation").GetString());
    }

    [Fact]
    public void ExplainHost_HostThatActsForNobody_SaysEachDelegatedStepCannotRunThere()
    {
        host.Host = () => FakeHost.HostAnswer(scopeGuard: true, evidence: true, actsForPeople: false);

        var result = CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, "crm-call-note.yaml"), "--host", host.Url, "--format", "json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var delegations = json.RootElement.GetProperty("steps").EnumerateArray()
            .Where(s => s.TryGetProperty("delegation", out var d) && d.ValueKind == JsonValueKind.String).Select(s => s.GetProperty("delegation").GetString()!).ToList();
        Assert.Equal(2, delegations.Count);
        Assert.All(delegations, d => Assert.EndsWith("; not on this host: it is not set up to act for people (AgentOps:Delegation), so it refuses to start this workflow", d, StringComparison.Ordinal));
        Assert.False(json.RootElement.GetProperty("host").GetProperty("actsForPeople").GetBoolean());
    }

    [Fact]
    public void ExplainHost_EvidenceOff_MarksTheEvidenceLinesInEveryFormat()
    {
        host.Host = () => FakeHost.HostAnswer(scopeGuard: true, evidence: false, "Development");

        var table = CliRunner.InProcess("explain", Crm, "--host", host.Url);
        var markdown = CliRunner.InProcess("explain", Crm, "--host", host.Url, "--format", "markdown");
        var json = CliRunner.InProcess("explain", Crm, "--host", host.Url, "--format", "json");

        Assert.Contains("\nEvidence (declared, not enforced by this host: evidence is off on this host (AgentOps:Evidence:Enabled=false, Development host): a run records its start only)\n",
            table.Out, StringComparison.Ordinal);
        Assert.Contains("  retention: P400D (declared, not enforced by this host)", table.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(NotEnforced, table.Out[..table.Out.IndexOf("\nEvidence", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Contains("- **Host:** Development environment, identities local; scope guard on, evidence OFF", markdown.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(json.Out);
        Assert.False(document.RootElement.GetProperty("evidence").GetProperty("enforcement").GetProperty("enforced").GetBoolean());
        Assert.Equal(["evidence"], document.RootElement.GetProperty("host").GetProperty("governanceOff").EnumerateArray().Select(e => e.GetString()));
        Assert.All(document.RootElement.GetProperty("steps").EnumerateArray(), s => Assert.True(s.GetProperty("scopeEnforcement").GetProperty("enforced").GetBoolean()));
    }

    [Fact]
    public void ExplainHost_EnforcingEverything_MarksNothingTheFileAloneDoesNot()
    {
        var online = CliRunner.InProcess("explain", Crm, "--host", host.Url);
        var offline = CliRunner.InProcess("explain", Crm);

        Assert.Equal(0, online.ExitCode);
        Assert.Contains("Host: Production environment, identities local; scope guard on, evidence on, writer none, acts for people yes\n", online.Out, StringComparison.Ordinal);
        Assert.Equal(offline.Out, online.Out.Replace("Host: Production environment, identities local; scope guard on, evidence on, writer none, acts for people yes\n", string.Empty, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true, "writer yes, acts for people yes", "Isolation: separate-writer: write steps run in the writer, a separate app that alone holds finance-writer;")]
    [InlineData(false, "writer none, acts for people yes", "(declared, not enforced by this host: this host has no writer (AgentOps:Writer:Url), so it refuses this workflow's writes)")]
    public void ExplainHost_SeparateWriter_IsEnforcedOnlyOnAHostWithAWriter(bool separateWriter, string hostLine, string isolation)
    {
        host.Host = () => FakeHost.HostAnswer(scopeGuard: true, evidence: true, separateWriter: separateWriter);

        var result = CliRunner.InProcess("explain", Path.Combine(CliRunner.ShippedWorkflows, "invoice-exceptions.yaml"), "--host", host.Url);

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains($"evidence on, {hostLine}\n", result.Out, StringComparison.Ordinal);
        Assert.Contains(isolation, result.Out, StringComparison.Ordinal);
        Assert.Equal(separateWriter ? 0 : 1, CountOf(result.Out, "declared, not enforced by this host"));
    }

    [Fact]
    public void ExplainHost_EnvironmentGiven_WinsOverTheHosts()
    {
        host.Host = () => FakeHost.HostAnswer(scopeGuard: true, evidence: true, identities: "azure");

        var result = CliRunner.InProcess("explain", Crm, "--host", host.Url, "-e", "local");

        Assert.Contains("Client ids: local environment", result.Out, StringComparison.Ordinal);
        Assert.Contains("6f1c0a10-0000-4000-8000-000000000002", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_WithoutHost_StaysOfflineEvenWithAgentopsHostSet()
    {
        using var repo = CliRunner.CopyOfWorkflows();

        var result = CliRunner.Executable(repo.Root, new Dictionary<string, string?> { ["AGENTOPS_HOST"] = host.Url }, "explain", "crm-followup");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(host.Requests);
        Assert.DoesNotContain("Host:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainHost_AnswerThatIsNotTheHosts_ExitsThreeRatherThanCallingEverythingEnforced()
    {
        host.Host = () => Results.Json(new { status = "healthy" });

        var result = CliRunner.InProcess("explain", Crm, "--host", host.Url);

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.Out);
        Assert.Contains($"{host.Url} is not a DurableAgentOps host (GET /api/host answered 200 application/json)", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplainHost_Unreachable_ExitsThree()
    {
        var result = CliRunner.InProcess("explain", Crm, "--host", RunCommandTests.ClosedPortUrl());

        Assert.Equal(3, result.ExitCode);
        Assert.Empty(result.Out);
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
