using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Steps that act for the person who started the run (crm-call-note), with real processes: the host's MSAL confidential
/// client runs the long-running on-behalf-of flow against DevServices' sign-in provider over HTTPS, with a managed
/// identity's token as its client assertion; the CRM checks the person's own rights from the token, the guard the
/// declared scope. What the person could replay never lands in storage, logs or evidence.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DelegatedRunTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Alice = "alice@contoso.example";
    private const string AliceOid = "0e000001-0000-4000-8000-000000000001";
    private const string Ana = "ana.silva@contoso.example";
    private const string Bob = "bob.manager@contoso.example";
    private const string Ivan = "ivan.investigator@contoso.example";
    private const string App = "6f1c0a10-0000-4000-8000-0000000000a1";
    private static readonly string AliceId = $"{DevServicesProcess.TenantId}/{AliceOid}";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly string workflows = Directory.CreateTempSubdirectory("agentops-delegated-").FullName;
    private readonly List<IAsyncDisposable> started = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in Enumerable.Reverse(started))
        {
            await process.DisposeAsync();
        }

        Directory.Delete(workflows, recursive: true);
    }

    [Fact]
    public async Task Run_PersonMaySeeTheAccount_ReadAndWriteAreMadeAsThePersonAndSaySo()
    {
        var (dev, host) = await StartAsync();

        var runId = await StartRunAsync(dev, host, Alice, "ACC-000002");
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        await ApproveAsync(dev, host, runId, Bob);
        var done = await WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var steps = done.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("stepId").GetString()!);
        Assert.False(steps["read-account"].TryGetProperty("actedFor", out _)); // a service identity acts for nobody
        foreach (var delegated in new[] { "read-my-call", "write-note" })
        {
            var acted = steps[delegated].GetProperty("actedFor");
            Assert.Equal(AliceId, acted.GetProperty("subjectId").GetString());
            Assert.Equal("Alice Martin", acted.GetProperty("subjectName").GetString());
            Assert.Equal(App, acted.GetProperty("actorClientId").GetString());
        }

        // The CRM saw Alice (with the app acting) on the delegated calls, and the reader's own identity on the first.
        var crm = await dev.RequestsAsync("crm");
        Assert.Equal(AliceOid, crm.Single(r => r.GetProperty("operation").GetString() == "crm.calls.read").GetProperty("subject").GetString());
        var post = crm.Single(r => r.GetProperty("method").GetString() == "POST");
        Assert.Equal("crm.notes.create", post.GetProperty("operation").GetString());
        Assert.Equal(AliceOid, post.GetProperty("subject").GetString());
        var notes = (await dev.GetAsAsync(CrmReader, "crm", "/crm/accounts/ACC-000002/notes"))!.AsArray();
        var note = Assert.Single(notes);
        Assert.Equal(AliceOid, note!["createdBy"]!.GetValue<string>());
        Assert.Equal(App, note["actedBy"]!.GetValue<string>());

        // The ledger's step records name both principals, and it verifies.
        var records = await LedgerAsync(dev, host, runId);
        var stepRecords = records.Where(r => r.GetProperty("kind").GetString() == "step").Select(r => r.GetProperty("data")).ToList();
        Assert.Equal(2, stepRecords.Count(s => s.TryGetProperty("actedFor", out var a) && a.GetProperty("subjectId").GetString() == AliceId
            && a.GetProperty("actorClientId").GetString() == App));
        using var ivan = host.As(await dev.SignInAsync(Ivan));
        var verification = (await ivan.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/evidence")).GetProperty("verification");
        Assert.True(verification.GetProperty("intact").GetBoolean(), verification.ToString());

        // The investigator's report says which changes were made as whom.
        var report = await ivan.GetStringAsync($"/api/runs/{runId}/report");
        Assert.Contains("as Alice Martin (delegated through crm-rep-writer", report, StringComparison.Ordinal);

        // The session that acted for Alice ended with the run.
        Assert.Empty(await SessionRowsAsync(runId));
    }

    [Fact]
    public async Task Run_PersonLacksTheRightTheScopeAllows_RefusedAtTheSystemNothingWritten()
    {
        var (dev, host) = await StartAsync();

        // ACC-000001 is in EMEA (the declared scope allows it), but the CRM does not share it with Alice.
        var runId = await StartRunAsync(dev, host, Alice, "ACC-000001");
        var done = await WaitFinishedAsync(host, runId);

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        var failure = done.GetProperty("failure").GetProperty("reason").GetString()!;
        Assert.Contains("crm answered 403", failure, StringComparison.Ordinal);
        Assert.Contains("does not share account ACC-000001", failure, StringComparison.Ordinal);
        var crm = await dev.RequestsAsync("crm");
        Assert.Contains(crm, r => r.GetProperty("operation").GetString() == "crm.calls.read" && r.GetProperty("status").GetInt32() == 403);
        Assert.DoesNotContain(crm, r => r.GetProperty("method").GetString() == "POST");
    }

    [Fact]
    public async Task Run_DeclaredScopeNarrowerThanThePerson_RefusedByTheGuardBeforeTheCall()
    {
        // The service reader may read American accounts here; the delegated reader's scope stays EMEA. Ana's CRM teams
        // include amer-commercial, so the CRM would let her read ACC-000004's calls: the guard must refuse first.
        RepoPaths.CopyCatalogue(workflows);
        var identities = Path.Combine(workflows, "identities.yaml");
        var catalogue = await File.ReadAllTextAsync(identities);
        const string readerGrant = "        operations: [accounts.read, calls.read]\n        records:\n          region: [emea]\n";
        Assert.Contains(readerGrant, catalogue, StringComparison.Ordinal);
        await File.WriteAllTextAsync(identities, catalogue.Replace(readerGrant, readerGrant.Replace("[emea]", "[emea, amer]", StringComparison.Ordinal), StringComparison.Ordinal));
        var workflow = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "workflows", "crm-call-note.yaml"));
        const string firstScope = "      operations: [crm.accounts.read]\n      records:\n        region: [emea]\n";
        Assert.Contains(firstScope, workflow, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(workflows, "crm-call-note.yaml"),
            workflow.Replace(firstScope, firstScope.Replace("[emea]", "[emea, amer]", StringComparison.Ordinal), StringComparison.Ordinal));
        var (dev, host) = await StartAsync(catalogue: identities, workflowsPath: workflows);

        var runId = await StartRunAsync(dev, host, Ana, "ACC-000004");
        var done = await WaitFinishedAsync(host, runId);

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        var reason = done.GetProperty("failure").GetProperty("reason").GetString()!;
        Assert.Contains("ScopeViolation: step 'read-my-call' (identity crm-rep-reader)", reason, StringComparison.Ordinal);
        Assert.Contains("region 'amer' is outside the step's scope", reason, StringComparison.Ordinal);
        var crm = await dev.RequestsAsync("crm");
        Assert.Contains(crm, r => r.GetProperty("operation").GetString() == "crm.accounts.read"); // the service read went
        Assert.DoesNotContain(crm, r => r.GetProperty("operation").GetString() == "crm.calls.read"); // the delegated one never left
    }

    [Fact]
    public async Task Run_StepAfterALongGate_GetsAFreshTokenWithoutThePerson()
    {
        // Tokens that MSAL renews at every step (they expire within its 5-minute margin), and a clock that moves two days
        // while the run waits: the write's token can only come from the session's refresh token, not from Alice's own.
        var (dev, host) = await StartAsync(shortTokens: true, shortWorkloadTokens: true);
        var runId = await StartRunAsync(dev, host, Alice, "ACC-000002");
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        using var bob = host.As(await dev.SignInAsync(Bob)); // signed in before the clock moves: the host keeps real time
        var before = (await dev.DelegatedGrantsAsync()).Count;

        await dev.AdvanceClockAsync(TimeSpan.FromDays(2));
        var response = await bob.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = "two days later" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var done = await WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var grants = await dev.DelegatedGrantsAsync();
        var opened = grants.First(g => g.GetProperty("grantType").GetString() == "on_behalf_of").GetProperty("issuedAt").GetDateTimeOffset();
        var after = grants.Skip(before).ToList();
        var refresh = Assert.Single(after, g => g.GetProperty("grantType").GetString() == "refresh_token");
        Assert.Equal(Alice, refresh.GetProperty("person").GetString());
        Assert.Contains("notes.create", refresh.GetProperty("scopes").ToString(), StringComparison.Ordinal);
        Assert.True(refresh.GetProperty("issuedAt").GetDateTimeOffset() >= opened.AddDays(2), $"the write's token was issued at {refresh.GetProperty("issuedAt")}, the session opened at {opened}");
        Assert.DoesNotContain(after, g => g.GetProperty("grantType").GetString() == "on_behalf_of"); // Alice's own token was not asked for again
        var post = (await dev.RequestsAsync("crm")).Single(r => r.GetProperty("method").GetString() == "POST");
        Assert.Equal(AliceOid, post.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Run_PersonRevokedWhileTheRunWaits_WriteFailsClosedAndSaysWhy()
    {
        var (dev, host) = await StartAsync(shortTokens: true);
        var runId = await StartRunAsync(dev, host, Alice, "ACC-000002");
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");

        await dev.RevokeAsync(Alice);
        await ApproveAsync(dev, host, runId, Bob);
        var done = await WaitFinishedAsync(host, runId);

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        var failure = done.GetProperty("failure").GetProperty("reason").GetString()!;
        Assert.Contains("acts for Alice Martin", failure, StringComparison.Ordinal);
        Assert.Contains("the person's sessions were revoked", failure, StringComparison.Ordinal);
        Assert.Contains("fails closed", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(await dev.RequestsAsync("crm"), r => r.GetProperty("method").GetString() == "POST");
        var refusal = (await LedgerAsync(dev, host, runId)).Where(r => r.GetProperty("kind").GetString() == "refusal").Select(r => r.GetProperty("data").ToString());
        Assert.Contains(refusal, r => r.Contains("revoked", StringComparison.Ordinal));
        Assert.Empty(await SessionRowsAsync(runId));
    }

    [Fact]
    public async Task Start_OnAHostThatActsForNobody_RefusedWithTheReasonAndNothingStarted()
    {
        var dev = await DevServicesProcess.StartAsync(azurite);
        started.Add(dev);
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        foreach (var name in settings.Keys.Where(k => k.StartsWith("AgentOps__Delegation__", StringComparison.Ordinal)).ToList())
        {
            settings.Remove(name);
        }

        var host = await HostProcess.StartHealthyAsync(settings);
        started.Add(host);
        using var alice = host.As(await dev.SignInAsync(Alice));
        var response = await alice.PostAsJsonAsync("/api/workflows/crm-call-note/runs", new { input = new { accountId = "ACC-000002" } });
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("crm-call-note acts for the person who starts it (read-my-call (crm-rep-reader), write-note (crm-rep-writer)), and this host is not set up to act for anyone (AgentOps:Delegation",
            problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await dev.DelegatedGrantsAsync());
        Assert.Empty(await dev.RequestsAsync("crm"));
        Assert.False((await host.GetJsonAsync<JsonElement>("/api/host")).GetProperty("actsForPeople").GetBoolean());
    }

    [Fact]
    public async Task Start_WithTheSystemKeyInsteadOfAPerson_Refused()
    {
        var (dev, host) = await StartAsync();

        using var systemKey = new HttpClient { BaseAddress = host.Anonymous.BaseAddress };
        systemKey.DefaultRequestHeaders.Add("x-functions-key", HostProcess.SystemKey);
        var response = await systemKey.PostAsJsonAsync("/api/workflows/crm-call-note/runs", new { input = new { accountId = "ACC-000002" } });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode); // the system key is no person, and no starter
        Assert.Empty(await dev.DelegatedGrantsAsync());
    }

    [Fact]
    public async Task Run_EvidenceOffInDevelopment_DelegatedStepsStillActForThePerson()
    {
        // Without evidence the run's chain is closed at its start; that must not end the sessions its steps need.
        var (dev, host) = await StartAsync(extra: new() { ["ASPNETCORE_ENVIRONMENT"] = "Development", ["AgentOps__Evidence__Enabled"] = "false" });

        var runId = await StartRunAsync(dev, host, Alice, "ACC-000002");
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");
        await ApproveAsync(dev, host, runId, Bob);
        var done = await WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        Assert.Equal(AliceOid, (await dev.RequestsAsync("crm")).Single(r => r.GetProperty("method").GetString() == "POST").GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Run_Delegated_NoTokenAssertionOrRefreshTokenInStorageLogsOrEvidence()
    {
        var hub = EngineHost.NewHubName();
        var (dev, host) = await StartAsync(hub: hub);
        var aliceToken = await dev.SignInAsync(Alice);
        var runId = await StartRunAsync(dev, host, Alice, "ACC-000002");
        await WaitAsync(host, runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");

        // While the run waits its sessions exist (one per delegated identity), encrypted: nothing stored reads as a token.
        Assert.Equal(2, (await SessionRowsAsync(runId)).Count);
        AssertNothingReplayable(aliceToken, await StoredAsync(hub), "while the run waits");
        await ApproveAsync(dev, host, runId, Bob);
        await WaitFinishedAsync(host, runId);
        using var ivan = host.As(await dev.SignInAsync(Ivan));
        var evidence = await ivan.GetStringAsync($"/api/runs/{runId}/evidence");
        var bundle = await ivan.GetStringAsync($"/api/runs/{runId}/evidence/bundle");
        var report = await ivan.GetStringAsync($"/api/runs/{runId}/report");
        var status = await host.As(aliceToken).GetStringAsync($"/api/runs/{runId}");
        var texts = new List<(string Where, string Text)>
        {
            ("evidence", evidence), ("bundle", bundle), ("report", report), ("status", status), ("host log", host.Output), ("DevServices log", dev.Output),
        };
        texts.AddRange(await StoredAsync(hub));
        AssertNothingReplayable(aliceToken, texts, "after the run");
    }

    private async Task<List<(string Where, string Text)>> StoredAsync(string hub) =>
    [
        .. await StorageScan.TablesAsync(azurite.ConnectionString, hub),
        .. await StorageScan.BlobsAsync(azurite.ConnectionString, hub),
        .. await StorageScan.QueuesAsync(azurite.ConnectionString, hub),
    ];

    /// <summary>No access token (JWT), no assertion, no refresh token (DevServices' are "dev-rt.…") in any of the texts.</summary>
    private static void AssertNothingReplayable(string assertion, IEnumerable<(string Where, string Text)> texts, string when)
    {
        foreach (var (where, text) in texts)
        {
            Assert.False(text.Contains(assertion, StringComparison.Ordinal), $"Alice's sign-in token (the assertion) is in the {where} {when}");
            Assert.False(Regex.IsMatch(text, @"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\."), $"a JWT is in the {where} {when}");
            Assert.False(text.Contains("dev-rt.", StringComparison.Ordinal), $"a refresh token is in the {where} {when}");
            Assert.DoesNotContain("refresh_token", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string CrmReader => "6f1c0a10-0000-4000-8000-000000000001";

    /// <summary>
    /// DevServices and a host. <c>shortTokens</c>: delegated tokens MSAL renews at every step. <c>shortWorkloadTokens</c>:
    /// managed-identity tokens (the acting app's client assertion) renewed at every use too, because only DevServices'
    /// clock moves in these tests, and a token the host cached by its own clock would look two days old to DevServices.
    /// </summary>
    private async Task<(DevServicesProcess Dev, HostProcess Host)> StartAsync(
        string? catalogue = null, string? workflowsPath = null, bool shortTokens = false, string? hub = null, bool shortWorkloadTokens = false,
        Dictionary<string, string?>? extra = null)
    {
        var dev = await DevServicesProcess.StartAsync(azurite, catalogue, shortTokens ? TimeSpan.FromMinutes(2) : null,
            shortWorkloadTokens ? new Dictionary<string, string?> { ["DevServices__TokenLifetime"] = "00:04:00" } : null);
        started.Add(dev);
        var settings = HostProcess.DefaultSettings(azurite, hub ?? EngineHost.NewHubName(), dev);
        if (workflowsPath is not null)
        {
            settings["AgentOps__Workflows__Path"] = workflowsPath;
        }

        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var host = await HostProcess.StartHealthyAsync(settings);
        started.Add(host);
        return (dev, host);
    }

    private static async Task<string> StartRunAsync(DevServicesProcess dev, HostProcess host, string person, string accountId)
    {
        using var client = host.As(await dev.SignInAsync(person));
        var response = await client.PostAsJsonAsync("/api/workflows/crm-call-note/runs", new { input = new { accountId } });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private static async Task ApproveAsync(DevServicesProcess dev, HostProcess host, string runId, string approver)
    {
        using var client = host.As(await dev.SignInAsync(approver));
        var response = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = "ok" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<JsonElement>> LedgerAsync(DevServicesProcess dev, HostProcess host, string runId)
    {
        using var ivan = host.As(await dev.SignInAsync(Ivan));
        var evidence = await ivan.GetFromJsonAsync<JsonElement>($"/api/runs/{runId}/evidence");
        return [.. evidence.GetProperty("records").EnumerateArray().Select(r => JsonDocument.Parse(r.GetProperty("json").GetString()!).RootElement.Clone())];
    }

    private async Task<List<string>> SessionRowsAsync(string runId)
    {
        var rows = new List<string>();
        var service = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        await foreach (var table in service.QueryAsync(t => true))
        {
            if (!table.Name.EndsWith("DelegatedSessions", StringComparison.Ordinal))
            {
                continue;
            }

            await foreach (var row in service.GetTableClient(table.Name).QueryAsync<Azure.Data.Tables.TableEntity>(e => e.PartitionKey == runId))
            {
                rows.Add(row.RowKey);
            }
        }

        return rows;
    }

    private static Task<JsonElement> WaitAsync(HostProcess host, string runId, Func<JsonElement, bool> condition) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", condition, Patience, "in the awaited state");

    private static Task<JsonElement> WaitFinishedAsync(HostProcess host, string runId) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
}
