using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Replay;
using Xunit.Abstractions;
using static DurableAgentOps.IntegrationTests.Replay.CheckedInRecordings;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// Makes the checked-in recordings (docs/VERSIONING.md), on demand only (<c>./build.sh record-histories</c>): one real
/// governed run of each shipped workflow through the whole local stack — DevServices, the host process, approval mail
/// to smtp4dev, Teams cards to a webhook stand-in — with people signed in at the dev provider, each run through its
/// gate (a refused attempt first) to completion. It writes a set only when every run replays with the same decisions
/// from its history and from its bundle, and holds no credential and no redacted value in clear.
/// </summary>
[Collection(AzuriteCollection.Name)]
[Trait("Category", RecorderCategory)]
public sealed partial class RecordHistoriesTests(AzuriteFixture azurite, Smtp4devProcess smtp, ITestOutputHelper output)
    : IAsyncLifetime, IClassFixture<Smtp4devProcess>
{
    private const string Alice = "alice@contoso.example";           // emea-sales: starts crm-followup
    private const string Bob = "bob.manager@contoso.example";       // emea-sales-managers: manager-review
    private const string Frank = "frank.payables@contoso.example";  // a starter in no approver group
    private const string Cfo = "cfo@contoso.example";               // a controller-approval person
    private const string Carl = "carl.controller@contoso.example";  // finance-controllers
    private const string Sam = "sam.support@contoso.example";       // a starter in no approver group
    private const string Lee = "lee.lead@contoso.example";          // support-leads
    private const string Ivan = "ivan.investigator@contoso.example"; // exports the evidence

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly string LinkKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private readonly string hub = EngineHost.NewHubName();
    private readonly List<string> accessTokens = [];
    private DevServicesProcess dev = null!;
    private TeamsReceiver teams = null!;
    private WriterProcess writer = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        teams = await TeamsReceiver.StartAsync();
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);

        HostProcess.SendMailTo(settings, smtp);
        settings["AgentOps__Teams__WebhookUrl"] = teams.WebhookUrl.AbsoluteUri;
        settings["AgentOps__Approvals__LinkSigningKey"] = LinkKey;
        writer = await WriterProcess.StartAsync(settings, dev); // invoice-exceptions writes through it
        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await writer.DisposeAsync();
        await teams.DisposeAsync();
        await dev.DisposeAsync();
    }

    [RecorderFact]
    public async Task Record_OneGovernedRunPerShippedWorkflow_WritesHistoryEvidenceAndKey()
    {
        var scenarios = new Dictionary<string, Func<Task<string>>>
        {
            ["crm-followup"] = CrmFollowupAsync,
            ["crm-call-note"] = CrmCallNoteAsync,
            ["invoice-exceptions"] = InvoiceExceptionsAsync,
            ["support-routing"] = SupportRoutingAsync,
            ["ticket-escalation"] = TicketEscalationAsync,
        };
        Assert.True(ShippedWorkflows().Order().SequenceEqual(scenarios.Keys.Order()),
            $"shipped: {string.Join(", ", ShippedWorkflows())}; scenarios here: {string.Join(", ", scenarios.Keys)} (give each shipped workflow its scenario)");

        var runs = new Dictionary<string, string>();
        foreach (var (workflow, scenario) in scenarios)
        {
            runs[workflow] = await scenario(); // one at a time, so each run's history has the same shape every time it is made
        }

        var files = new Dictionary<string, string>();
        await using (var reader = TaskHubReader.Open(azurite, hub))
        {
            foreach (var (workflow, runId) in runs)
            {
                files[HistoryFile(workflow)] = RecordedRun.FromHistory(await reader.Client.GetOrchestrationHistoryAsync(runId)).ToJson() + "\n";
                files[EvidenceFile(workflow)] = await BundleAsync(runId); // its exact text: a bundle verifies only as exported
            }
        }

        using (var signer = new PemEvidenceSigner(HostProcess.EvidenceKey))
        {
            files[PublicKeyFile] = signer.PublicKey.ToPem() + "\n";
        }

        // Checked as the guard will read them (CheckedInRecordingTests), before anything is written.
        var key = EvidencePublicKey.FromPem(files[PublicKeyFile]);
        foreach (var workflow in runs.Keys)
        {
            var fromHistory = ReplayWithItsOwnDefinition(RecordedRun.FromJson(files[HistoryFile(workflow)]));
            output.WriteLine(fromHistory.ToText());
            Assert.True(fromHistory.SameDecisions, fromHistory.ToText());
            var verification = EvidenceBundle.Verify(files[EvidenceFile(workflow)], key);
            Assert.True(verification.IsIntact, verification.ToString());
            var fromBundle = ReplayWithItsOwnDefinition(FromBundle(files[EvidenceFile(workflow)]));
            Assert.True(fromBundle.SameDecisions, fromBundle.ToText());
        }

        var credentials = await CredentialsAsync(runs.Values);
        foreach (var (file, text) in files)
        {
            var leaks = LeaksIn(file.Split('.')[0], text);
            leaks.AddRange(credentials.Where(c => text.Contains(c.Value, StringComparison.Ordinal)).Select(c => c.What));
            Assert.True(leaks.Count == 0, $"{file} would hold: {string.Join("; ", leaks)}");
        }

        Directory.CreateDirectory(SourceFolder);
        foreach (var (file, text) in files)
        {
            await File.WriteAllTextAsync(Path.Combine(SourceFolder, file), text);
            output.WriteLine($"wrote {Path.Combine(SourceFolder, file)}");
        }
    }

    /// <summary>
    /// Alice starts it for ACC-000002 (a standard account: manager-review). Her own approval is refused (separation of
    /// duties), an event raised by hand through the instance API is ignored, then Bob approves.
    /// </summary>
    private async Task<string> CrmFollowupAsync()
    {
        var runId = await StartAsync(Alice, "crm-followup", new { accountId = "ACC-000002" });
        await WaitForGateAsync(runId, "manager-review");
        await DecideAsync(runId, Alice, HttpStatusCode.Forbidden);
        await WaitAsync(runId, s => s.GetProperty("ignoredEvents").GetInt32() == 1, "alice's refused attempt recorded");
        using (var raised = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/approval",
            new StringContent("""{"approved":true}""", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        }

        await WaitAsync(runId, s => s.GetProperty("ignoredEvents").GetInt32() == 2, "the hand-raised event ignored");
        await DecideAsync(runId, Bob, HttpStatusCode.Accepted, "follow-up looks right");
        return await CompletedAsync(runId, "Bob Manager");
    }

    /// <summary>
    /// Alice starts it for ACC-000002, an account the CRM shares with her: her last call there is read as her and the
    /// note written as her (on-behalf-of); Bob approves at manager-review.
    /// </summary>
    private async Task<string> CrmCallNoteAsync()
    {
        var runId = await StartAsync(Alice, "crm-call-note", new { accountId = "ACC-000002" });
        await WaitForGateAsync(runId, "manager-review");
        await DecideAsync(runId, Bob, HttpStatusCode.Accepted, "note reads well");
        return await CompletedAsync(runId, "Bob Manager");
    }

    /// <summary>
    /// Frank starts it for INV-00000003 (72,400 EUR against a 70,000 EUR order: controller-approval, two of three). His
    /// own approval is refused, the CFO approves (one of two), then Carl Controller (the quorum).
    /// </summary>
    private async Task<string> InvoiceExceptionsAsync()
    {
        var runId = await StartAsync(Frank, "invoice-exceptions", new { invoiceId = "INV-00000003", purchaseOrderId = "PO-00000003" });
        await WaitForGateAsync(runId, "controller-approval");
        await DecideAsync(runId, Frank, HttpStatusCode.Forbidden);
        await WaitAsync(runId, s => s.GetProperty("ignoredEvents").GetInt32() == 1, "frank's refused attempt recorded");
        await DecideAsync(runId, Cfo, HttpStatusCode.Accepted, "the partial delivery is confirmed");
        await WaitAsync(runId, s => s.GetProperty("waitingFor").GetProperty("approvalsSoFar").GetInt32() == 1, "one of two approvals counted");
        await DecideAsync(runId, Carl, HttpStatusCode.Accepted, "agreed");
        return await CompletedAsync(runId, "Carl Controller", "Chris Fowler");
    }

    /// <summary>Sam starts it for TCK-0000002 (P2, billing: the support-lead gate applies). His own approval is refused, then Lee Lead approves.</summary>
    private async Task<string> SupportRoutingAsync()
    {
        var runId = await StartAsync(Sam, "support-routing", new { ticketId = "TCK-0000002" });
        await WaitForGateAsync(runId, "support-lead");
        await DecideAsync(runId, Sam, HttpStatusCode.Forbidden);
        await WaitAsync(runId, s => s.GetProperty("ignoredEvents").GetInt32() == 1, "sam's refused attempt recorded");
        await DecideAsync(runId, Lee, HttpStatusCode.Accepted, "billing queue is right");
        return await CompletedAsync(runId, "Lee Lead");
    }

    /// <summary>Sam starts it for TCK-0000002 (read and escalated through the service desk's MCP tools); Lee Lead approves.</summary>
    private async Task<string> TicketEscalationAsync()
    {
        var runId = await StartAsync(Sam, "ticket-escalation", new { ticketId = "TCK-0000002" });
        await WaitForGateAsync(runId, "lead-review");
        await DecideAsync(runId, Lee, HttpStatusCode.Accepted, "tier 2 should take it");
        return await CompletedAsync(runId, "Lee Lead");
    }

    private async Task<HttpClient> AsAsync(string person)
    {
        var token = await dev.SignInAsync(person);
        accessTokens.Add(token);
        return host.As(token);
    }

    private async Task<string> StartAsync(string person, string workflow, object input)
    {
        using var client = await AsAsync(person);
        using var response = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    /// <summary>
    /// Waits until the run waits at the gate with its approvers told, so the first decision reaches the wait and the
    /// history has the same order each time it is recorded. The status shows the notice as soon as it was sent; the
    /// ledger holds it once its append finished, the run's last step before it waits.
    /// </summary>
    private async Task WaitForGateAsync(string runId, string gate)
    {
        var status = await WaitAsync(runId, s => s.GetProperty("phase").GetString() == "awaiting-approval"
            && s.GetProperty("waitingFor").GetProperty("gate").GetString() == gate
            && s.GetProperty("notices").EnumerateArray().Any(n => n.GetProperty("gate").GetString() == gate && n.GetProperty("kind").GetString() == "request"),
            $"waiting at gate {gate}, its approvers told");
        var notice = status.GetProperty("notices").EnumerateArray().Single(n => n.GetProperty("kind").GetString() == "request");
        Assert.True(notice.GetProperty("sent").GetArrayLength() > 0, $"the request at {gate} reached nobody: {notice}");

        using var ivan = await AsAsync(Ivan);
        var deadline = DateTime.UtcNow + Patience;
        while (!(await ivan.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/evidence")).GetProperty("records").EnumerateArray()
            .Any(r => JsonDocument.Parse(r.GetProperty("json").GetString()!).RootElement.GetProperty("kind").GetString() == "notice"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"run {runId}: no notice in its evidence after {Patience}");
            await Task.Delay(100);
        }
    }

    private async Task DecideAsync(string runId, string person, HttpStatusCode expected, string? comment = null)
    {
        using var client = await AsAsync(person);
        using var response = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment });
        Assert.True(response.StatusCode == expected, $"{person}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private Task<JsonElement> WaitAsync(string runId, Func<JsonElement, bool> condition, string what) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", condition, Patience, what);

    private async Task<string> CompletedAsync(string runId, params string[] countedApprovers)
    {
        var done = await WaitAsync(runId, s => s.GetProperty("status").GetString() is "Completed" or "Failed", "finished");
        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var counted = done.GetProperty("approvals").EnumerateArray().Where(a => a.GetProperty("counted").GetString() == "counted")
            .Select(a => a.GetProperty("approver").GetProperty("name").GetString()).Order();
        Assert.Equal(countedApprovers.Order(), counted);
        return runId;
    }

    /// <summary>The run's export bundle as an investigator gets it (409 until the run's final head is in the signed log).</summary>
    private async Task<string> BundleAsync(string runId)
    {
        using var ivan = await AsAsync(Ivan);
        for (var attempt = 0; ; attempt++)
        {
            using var response = await ivan.GetAsync($"/api/runs/{runId}/evidence/bundle");
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return body;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Conflict && attempt < 100, body);
            await Task.Delay(200);
        }
    }

    /// <summary>Every credential this stack used: keys, the identity header, the webhook's signature, people's tokens and the approval links sent.</summary>
    private async Task<List<(string What, string Value)>> CredentialsAsync(IEnumerable<string> runIds)
    {
        var signingKeyBody = string.Concat(HostProcess.EvidenceKey.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))[..48];
        var credentials = new List<(string What, string Value)>
        {
            ("the system key", HostProcess.SystemKey), ("the vault key", HostProcess.VaultKey), ("the link signing key", LinkKey),
            ("the evidence signing key", signingKeyBody), ("the identity header", dev.IdentityHeader), ("the Teams webhook signature", teams.Signature),
        };
        credentials.AddRange(accessTokens.Distinct().Select(t => ("an access token", t)));

        var sent = teams.Posts.Select(p => p.Body).ToList();
        foreach (var mail in (await smtp.MessagesAsync()).Where(m => runIds.Any(r => m.Subject.Contains(r, StringComparison.Ordinal))))
        {
            sent.Add((await smtp.MessageAsync(mail.Id)).PlainText ?? string.Empty);
        }

        var links = sent.SelectMany(text => LinkToken().Matches(text)).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(links); // the approval mails and cards were sent, so the scan below looks for real link tokens
        credentials.AddRange(links.Select(t => ("an approval link token", t)));
        return credentials;
    }

    [GeneratedRegex(@"/approvals/([A-Za-z0-9%._~-]{20,})")]
    private static partial Regex LinkToken();
}
