using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Reminders, escalation and deadlines happen exactly as a workflow file declares them, on durable timers: a copy of
/// crm-followup whose gate times are seconds, run by a real host that mails smtp4dev.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GateTimingTests(AzuriteFixture azurite, Smtp4devProcess smtp) : IAsyncLifetime, IClassFixture<Smtp4devProcess>
{
    private const string Alice = "alice@contoso.example";
    private const string Bob = "bob.manager@contoso.example";
    private const string Dora = "dora.director@contoso.example";
    private const string HeadOfSales = "head.of.sales@contoso.example";

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private readonly string workflows = Directory.CreateTempSubdirectory("agentops-gates-").FullName;
    private DevServicesProcess dev = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        RepoPaths.CopyCatalogue(workflows);
        var crm = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "workflows", "crm-followup.yaml"));
        crm = Replace(crm, "    timeout: P2D\n    reminders: [PT8H, P1D]\n    escalation:\n      after: P1D\n",
            "    timeout: PT60S\n    reminders: [PT4S]\n    escalation:\n      after: PT10S\n");
        crm = Replace(crm, "    timeout: P3D\n    reminders: [P1D]\n", "    timeout: PT8S\n    reminders: []\n");
        await File.WriteAllTextAsync(Path.Combine(workflows, "crm-followup.yaml"), crm);
    }

    public async Task DisposeAsync()
    {
        await dev.DisposeAsync();
        Directory.Delete(workflows, recursive: true);
    }

    [Fact]
    public async Task Gate_NobodyAnswers_RemindsThenEscalatesThenTakesTheDeadlinesAction()
    {
        await using var host = await StartHostAsync(EngineHost.NewHubName());
        var runId = await StartAsync(host);

        await MailAsync(runId, "Approval needed", Bob);
        await MailAsync(runId, "Reminder", Bob);
        var escalated = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("waitingFor") is { ValueKind: JsonValueKind.Object } w
            && w.GetProperty("gate").GetString() == "director-review", Patience, "escalated");
        await MailAsync(runId, "Escalated", Dora);
        await MailAsync(runId, "Escalated", HeadOfSales);
        var done = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() == "Completed", Patience, "finished");

        Assert.StartsWith("escalated from gate manager-review (escalation.after PT10S passed)", escalated.GetProperty("waitingFor").GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Equal("timed-out", done.GetProperty("outcome").GetString()); // director-review: onTimeout reject
        var kinds = done.GetProperty("notices").EnumerateArray().Select(n => $"{n.GetProperty("gate").GetString()}:{n.GetProperty("kind").GetString()}").ToList();
        Assert.Equal(["manager-review:request", "manager-review:reminder", "director-review:escalation", "director-review:outcome"], kinds);
        Assert.DoesNotContain(await dev.RequestsAsync("crm"), r => r.GetProperty("method").GetString() == "POST");
        Assert.Single(await MailAsync(runId, "Timed out: crm-followup run", Alice));
        // The approvers asked at the last gate hear that nothing more is asked of them.
        Assert.Single(await MailAsync(runId, "No longer needed: the request timed out", Dora));
        Assert.Single(await MailAsync(runId, "No longer needed: the request timed out", HeadOfSales));
    }

    [Fact]
    public async Task Gate_HostRestartsWhileTheGateWaits_TheReminderAndTheEscalationStillCome()
    {
        var hub = EngineHost.NewHubName();
        string runId;
        await using (var first = await StartHostAsync(hub))
        {
            runId = await StartAsync(first);
            await MailAsync(runId, "Approval needed", Bob);
            await first.StopAsync(); // SIGTERM: the host lets go of its work and its partitions
            Assert.Equal(0, await first.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        await using var second = await StartHostAsync(hub);
        await MailAsync(runId, "Reminder", Bob);
        await MailAsync(runId, "Escalated", Dora);
        using var dora = second.As(await dev.SignInAsync(Dora));
        using var approved = await dora.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true });
        Assert.Equal(HttpStatusCode.Accepted, approved.StatusCode);
        var done = await second.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() == "Completed", Patience, "finished");
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
    }

    private async Task<HostProcess> StartHostAsync(string hub)
    {
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);

        settings["AgentOps__Workflows__Path"] = workflows;
        HostProcess.SendMailTo(settings, smtp);
        settings["AgentOps__Approvals__LinkSigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        return await HostProcess.StartHealthyAsync(settings);
    }

    private async Task<string> StartAsync(HostProcess host)
    {
        using var alice = host.As(await dev.SignInAsync(Alice));
        using var response = await alice.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = "ACC-000002" } });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private Task<IReadOnlyList<Smtp4devSummary>> MailAsync(string runId, string subjectStart, string to) =>
        smtp.WaitForMessagesAsync(m => m.Subject.StartsWith(subjectStart, StringComparison.Ordinal) && m.Subject.Contains(runId, StringComparison.Ordinal)
            && m.To.Contains(to), 1, Patience);

    private static string Replace(string text, string old, string replacement) =>
        text.Contains(old, StringComparison.Ordinal) ? text.Replace(old, replacement, StringComparison.Ordinal) : throw new InvalidOperationException($"'{old}' is not in the file");
}
