using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The promise that a risky write happens only after the people the workflow names approved it, tried the way an
/// attacker would: through the run API and the instance API of a real host, with real tokens from the dev sign-in
/// provider, hand-made tokens and hand-made bodies. Each refusal must leave the sample CRM unwritten.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class GovernanceTests(AzuriteFixture azurite, GovernanceTests.SharedServices services) : IAsyncLifetime, IClassFixture<GovernanceTests.SharedServices>
{
    private const string Alice = "alice@contoso.example";     // starter, emea-sales (may start crm-followup)
    private const string Bob = "bob.manager@contoso.example"; // emea-sales-managers (approves manager-review)
    private const string Ana = "ana.silva@contoso.example";   // starter and manager: may start, may not approve her own run
    private const string LookAlikeAna = "\u0430na.silva@contoso.example"; // Cyrillic а: another account, in no group
    private const string Mallory = "mallory@contoso.example"; // no role, no group
    private const string Frank = "frank.payables@contoso.example"; // starter, but not in emea-sales
    private const string Olga = "olga.ops@contoso.example";   // administrator
    private const string Ivan = "ivan.investigator@contoso.example"; // reader

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    // One DevServices and one host for the class (tests in a class run one at a time); each test starts from an
    // empty request log, so "nothing was written" is about its own runs.
    public async Task InitializeAsync()
    {
        (dev, host) = await services.StartOnceAsync(azurite);
        await dev.Http.DeleteAsync("/_dev/requests");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// Every endpoint that needs a caller (from the endpoint lists, so a new endpoint is tried as soon as it exists) and a
    /// route that has none: each must refuse an anonymous request before its handler runs. Pages are tried apart.
    /// </summary>
    public static TheoryData<string, string> EveryRoute()
    {
        var data = new TheoryData<string, string>();
        foreach (var endpoint in Api.AgentOpsApiEndpoints.All.Concat(Api.Instances.InstanceApi.All)
            .Where(e => e.Policy is not null && !e.Metadata.OfType<Api.Http.PageEndpoint>().Any()))
        {
            data.Add(endpoint.Method, Sample(endpoint.Route));
        }

        data.Add("GET", "/no/such/route");
        return data;
    }

    /// <summary>The endpoints open to anyone: the health probe and the approval page, whose signed link is the credential.</summary>
    [Fact]
    public void Endpoints_WithoutAPolicy_AreOnlyTheHealthProbeAndThePagesThatJudgeTheirOwnSignIn()
    {
        // The approval page and the run page check the pages' sign-in cookie themselves (RunPageTests, ApprovalPageTests).
        var open = Api.AgentOpsApiEndpoints.All.Concat(Api.Instances.InstanceApi.All).Where(e => e.Policy is null).Select(e => e.Name);

        Assert.Equal(["ApprovalDecision", "ApprovalPage", "ApprovalPageSignIn", "Health", "RunPage", "RunPageSignIn"], open.Order(StringComparer.Ordinal));
    }

    /// <summary>A route template with sample values in place of its parameters.</summary>
    private static string Sample(string route) => route
        .Replace("/{instanceId?}", string.Empty, StringComparison.Ordinal).Replace("{functionName}", "crm-followup", StringComparison.Ordinal)
        .Replace("{name}", "crm-followup", StringComparison.Ordinal).Replace("{runId}", "crm-followup-0123", StringComparison.Ordinal)
        .Replace("{instanceId}", "x1", StringComparison.Ordinal).Replace("{eventName}", "approval", StringComparison.Ordinal);

    [Theory]
    [MemberData(nameof(EveryRoute))]
    public async Task AnyRoute_NoCredential_Is401WithABodyNamingWhatToSend(string method, string path)
    {
        using var response = await host.Anonymous.SendAsync(Request(method, path));
        var problem = await ProblemAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Authorization: Bearer", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("api://durableagentops", problem.Detail, StringComparison.Ordinal);
        Assert.StartsWith("Bearer", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthz_NoCredential_Answers()
    {
        using var response = await host.Anonymous.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Start_ExpiredToken_Is401SayingItExpired()
    {
        var expired = await dev.MintTokenAsync(Alice, lifetimeSeconds: 300, issuedSecondsAgo: 900);

        var problem = await StartExpectingAsync(expired, HttpStatusCode.Unauthorized);

        Assert.Contains("The token expired at", problem.Detail, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Start_TokenForAnotherAudience_Is401NamingBoth()
    {
        var otherAudience = await dev.SignInAsync(Alice, "api://other-app/.default");

        var problem = await StartExpectingAsync(otherAudience, HttpStatusCode.Unauthorized);

        Assert.Equal("The token is for audience 'api://other-app'; this host accepts only 'api://durableagentops'.", problem.Detail);
    }

    [Fact]
    public async Task Start_WorkloadTokenFromTheOtherIssuer_Is401()
    {
        // A real, correctly signed token of the same machine's workload-identity issuer: not a person, not this audience.
        var workload = await dev.TokenAsync("6f1c0a10-0000-4000-8000-000000000001", "crm");

        var problem = await StartExpectingAsync(workload, HttpStatusCode.Unauthorized);

        Assert.Contains("token", problem.Detail, StringComparison.OrdinalIgnoreCase);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Start_SelfSignedTokenWithTheRightIssuerAndAudience_Is401()
    {
        var forged = SelfSigned(new Dictionary<string, object>
        {
            ["iss"] = dev.Authority, ["aud"] = "api://durableagentops", ["oid"] = "0e000001-0000-4000-8000-000000000001",
            ["tid"] = DevServicesProcess.TenantId, ["roles"] = new[] { "AgentOps.Starter", "AgentOps.Administrator" },
            ["exp"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds(), ["nbf"] = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds(),
        });

        var problem = await StartExpectingAsync(forged, HttpStatusCode.Unauthorized);

        Assert.Contains("signature", problem.Detail, StringComparison.Ordinal);
    }

    /// <summary>
    /// The npm durable-functions client (3.5), built as getClient builds it in a Functions app, drives the standalone
    /// host: it starts a governed run by the workflow's name (as the signed-in starter; the system key starts nothing),
    /// reads its status with Durable Functions' history entries, lists by filter, is told why rewind is not offered,
    /// terminates, and purges by filter only what has finished.
    /// </summary>
    [Fact]
    public async Task DurableFunctionsClient_DrivesTheInstanceApi_EveryOperationAnswersAsDurableFunctionsDoes()
    {
        var info = new System.Diagnostics.ProcessStartInfo("node")
        {
            ArgumentList = { Path.Combine(RepoPaths.Root, "tests", "DurableAgentOps.IntegrationTests", "durable-client", "drive.js") },
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["AGENTOPS_HOST"] = host.BaseUrl.TrimEnd('/'), ["AGENTOPS_SYSTEM_KEY"] = HostProcess.SystemKey,
                ["AGENTOPS_STARTER_TOKEN"] = await dev.SignInAsync(Alice), ["AGENTOPS_WORKFLOW"] = "crm-followup",
                ["AGENTOPS_INPUT"] = """{"accountId":"ACC-000002"}""",
            },
        };
        using var node = System.Diagnostics.Process.Start(info)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var results = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(r => r.GetProperty("op").GetString()!);
        Assert.True(results.ContainsKey("id"), $"drive.js did not finish (are the npm packages installed? ./build.sh setup): {await stderr}");
        JsonElement Value(string op) => results[op].GetProperty("ok").GetBoolean() && results[op].TryGetProperty("value", out var value)
            ? value : throw new Xunit.Sdk.XunitException($"{op}: {results[op]}");
        string Error(string op) => results[op].GetProperty("ok").GetBoolean() ? throw new Xunit.Sdk.XunitException($"{op} succeeded: {results[op]}") : results[op].GetProperty("error").GetString()!;

        var runId = Value("startNew").GetString()!;
        Assert.StartsWith("crm-followup-", runId, StringComparison.Ordinal);
        Assert.Contains("403", Error("startNewAsTheSystemKey"), StringComparison.Ordinal); // the key is no person: it starts nothing

        var status = Value("getStatusWithHistory");
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        var history = status.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal("ExecutionStarted", history[0].GetProperty("EventType").GetString());
        Assert.Equal("AgentWorkflowOrchestrator", history[0].GetProperty("FunctionName").GetString());
        var loaded = history.First(e => e.GetProperty("EventType").GetString() == "TaskCompleted");
        Assert.Equal("LoadDefinitionActivity", loaded.GetProperty("FunctionName").GetString());
        Assert.True(loaded.GetProperty("ScheduledTime").GetDateTime() <= loaded.GetProperty("Timestamp").GetDateTime());
        Assert.True(loaded.TryGetProperty("Result", out _)); // showHistoryOutput
        Assert.DoesNotContain(history, e => e.GetProperty("EventType").GetString() is "TaskScheduled" or "OrchestratorStarted");

        Assert.Contains(runId, Value("getStatusBy").EnumerateArray().Select(i => i.GetString()));
        Assert.Contains(runId, Value("getStatusAll").EnumerateArray().Select(i => i.GetString()));
        Assert.Contains("not supported", Error("rewind"), StringComparison.Ordinal); // 501, with the reason in the body
        Assert.Equal("Terminated", Value("getStatusAfterTerminate").GetString());
        Assert.Contains("400", Error("purgeInstanceHistoryByRunning"), StringComparison.Ordinal); // a run in flight is never purged
        Assert.True(Value("purgeInstanceHistoryBy").GetInt32() >= 1);
        Assert.Contains("404", Error("getStatusAfterPurge"), StringComparison.Ordinal); // purged: the client is told there is no such instance
    }

    [Fact]
    public async Task InstanceApi_WrongSystemKey_Is401AndNonAdministrator_Is403()
    {
        using var wrongKey = new HttpClient { BaseAddress = new Uri(host.BaseUrl) };
        wrongKey.DefaultRequestHeaders.Add("x-functions-key", new string('k', 48));
        using var alice = host.As(await dev.SignInAsync(Alice));
        using var olga = host.As(await dev.SignInAsync(Olga));

        using var byKey = await wrongKey.GetAsync("/runtime/webhooks/durabletask/instances");
        using var byAlice = await alice.GetAsync("/runtime/webhooks/durabletask/instances");
        using var byOlga = await olga.GetAsync("/runtime/webhooks/durabletask/instances");

        Assert.Equal(HttpStatusCode.Unauthorized, byKey.StatusCode);
        Assert.Contains("x-functions-key", (await ProblemAsync(byKey)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, byAlice.StatusCode);
        Assert.Contains("AgentOps.Administrator", (await ProblemAsync(byAlice)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, byOlga.StatusCode);
    }

    [Theory]
    [InlineData(Mallory, "starting a run needs the app role AgentOps.Starter")]
    [InlineData(Bob, "starting a run needs the app role AgentOps.Starter")]
    [InlineData(Frank, "may not start crm-followup: its starters are group emea-sales")]
    public async Task Start_ByPersonTheWorkflowDoesNotAllow_Is403NamingWhoMay(string person, string expected)
    {
        var problem = await StartExpectingAsync(await dev.SignInAsync(person), HttpStatusCode.Forbidden);

        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("""{"input":{"accountId":"ACC-000002"},"initiator":"bob.manager@contoso.example"}""", "'initiator' is not accepted")]
    [InlineData("""{"input":{"accountId":"ACC-000002"},"snapshot":{}}""", "'snapshot' is not a field of this request")]
    [InlineData("""{"input":"ACC-000002"}""", "'input' must be a JSON object")]
    public async Task Start_BodyClaimingMoreThanInput_Is400(string body, string expected)
    {
        using var alice = host.As(await dev.SignInAsync(Alice));

        using var response = await alice.PostAsync("/api/workflows/crm-followup/runs", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InitiatorIsTheCallerNotABodyField()
    {
        var runId = await StartAsync(Alice);

        // The status names the gate before its approvers are told; the notice's outcome follows once it was tried.
        var status = await WaitAsync(runId, s => s.GetProperty("phase").GetString() == "awaiting-approval"
            && s.GetProperty("waitingFor").TryGetProperty("notificationProblem", out var p) && p.ValueKind == JsonValueKind.String);

        // This host has no mail or Teams settings: the gate says nobody could be told, and waits anyway.
        Assert.Contains("nobody could be told", status.GetProperty("waitingFor").GetProperty("notificationProblem").GetString(), StringComparison.Ordinal);
        Assert.Contains("not configured", status.GetProperty("waitingFor").GetProperty("notificationProblem").GetString(), StringComparison.Ordinal);
        var initiator = status.GetProperty("initiator");
        Assert.Equal($"{DevServicesProcess.TenantId}/0e000001-0000-4000-8000-000000000001", initiator.GetProperty("id").GetString());
        Assert.Equal("Alice Martin", initiator.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData(Mallory, "is not an approver of gate manager-review")]
    [InlineData(LookAlikeAna, "is not an approver of gate manager-review")]
    [InlineData("pat.clerk@contoso.example", "is not an approver of gate manager-review")]
    [InlineData(Alice, "started run")]
    public async Task Approve_ByAnyoneButTheGatesApprovers_Is403AndTheRunKeepsWaiting(string person, string expected)
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);
        using var client = host.As(await dev.SignInAsync(person));

        using var response = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains(expected, (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
        var status = await StatusAsync(runId);
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        Assert.Empty(status.GetProperty("approvals").EnumerateArray());
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Approve_InitiatorWhoIsAlsoAnApprover_Is403ButAnotherManagerCounts()
    {
        var runId = await StartAsync(Ana);
        await WaitForGateAsync(runId);
        using var ana = host.As(await dev.SignInAsync(Ana));

        using var own = await ana.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true });
        Assert.Equal(HttpStatusCode.Forbidden, own.StatusCode);
        Assert.Contains("started run", (await ProblemAsync(own)).Detail, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();

        await ApproveAsync(runId, Bob);
        var done = await WaitFinishedAsync(runId);
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        var decision = Assert.Single(done.GetProperty("approvals").EnumerateArray());
        Assert.Equal("Bob Manager", decision.GetProperty("approver").GetProperty("name").GetString());
        Assert.Equal("group emea-sales-managers", decision.GetProperty("matchedAs").GetString());
        Assert.Equal("counted", decision.GetProperty("counted").GetString());
    }

    [Theory]
    [InlineData("""{"approved":true,"approver":"bob.manager@contoso.example"}""", "'approver' is not accepted")]
    [InlineData("""{"approved":true,"channel":"teams"}""", "'channel' is not accepted")]
    [InlineData("""{"comment":"no decision"}""", "'approved' is required")]
    [InlineData("""{"approved":"yes"}""", "'approved' is required")]
    public async Task Approve_BodyClaimingWhoOrHow_Is400(string body, string expected)
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);
        using var bob = host.As(await dev.SignInAsync(Bob));

        using var response = await bob.PostAsync($"/api/runs/{runId}/approvals", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("""{"approved":true}""")]
    [InlineData("""{"approved":true,"approver":"bob.manager@contoso.example","channel":"teams"}""")]
    [InlineData("""{"decisionId":"manager-review~00000000000000000000000000000000"}""")]
    [InlineData("\"approve\"")]
    [InlineData("[1,2,3]")]
    public async Task RaiseEvent_ThroughTheInstanceApi_IsRecordedAsIgnoredAndNothingIsWritten(string payload)
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);

        using var raised = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/approval",
            payload.Length == 0 ? new StringContent(string.Empty) : Json(payload));
        Assert.Equal(HttpStatusCode.Accepted, raised.StatusCode);
        var status = await WaitAsync(runId, s => s.GetProperty("approvals").GetArrayLength() > 0);

        var ignored = Assert.Single(status.GetProperty("approvals").EnumerateArray());
        Assert.StartsWith("ignored: ", ignored.GetProperty("counted").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, ignored.GetProperty("approver").ValueKind);
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task RaiseEvent_AnEventAGovernedRunNeverReads_Is400()
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);

        using var response = await host.Http.PostAsJsonAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/x0", new { filler = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("listens only for 'approval' and 'resume'", (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RaiseEvent_AFloodOfIgnoredEvents_IsCutOffAndTheStatusStaysSmall()
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);
        var answer = HttpStatusCode.Accepted;
        for (var i = 0; i < 200 && answer == HttpStatusCode.Accepted; i++)
        {
            using var raised = await host.Http.PostAsJsonAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/approval", new { n = i });
            answer = raised.StatusCode;
            if (answer == HttpStatusCode.Accepted && i % 10 == 9)
            {
                var sent = i + 1;
                await WaitAsync(runId, s => s.GetProperty("ignoredEvents").GetInt32() >= sent);
            }
        }

        var status = await StatusAsync(runId);
        Assert.Equal((HttpStatusCode)429, answer);
        Assert.InRange(status.GetProperty("ignoredEvents").GetInt32(), 50, 60);
        Assert.Equal(10, status.GetProperty("approvals").GetArrayLength());
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
    }

    [Theory]
    [InlineData("""{"input":{"accountId":"ACC-000002","accountId":"ACC-000003"}}""")]
    [InlineData("""{"input":{"accountId":"ACC-000002"},"input":{"accountId":"ACC-000003"}}""")]
    [InlineData("""{"input":{"accountId":"\ud800"}}""")]
    public async Task Start_BodyWithDuplicateKeysOrBrokenUnicode_Is400NotA500(string body)
    {
        using var alice = host.As(await dev.SignInAsync(Alice));

        using var response = await alice.PostAsync("/api/workflows/crm-followup/runs", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", (await ProblemAsync(response)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BodyWithInvalidUtf8_Is400NotA500()
    {
        using var alice = host.As(await dev.SignInAsync(Alice));
        var bytes = Encoding.UTF8.GetBytes("""{"input":{"accountId":"AB"}}""");
        bytes[24] = 0xFF;
        bytes[25] = 0xFE;
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        using var response = await alice.PostAsync("/api/workflows/crm-followup/runs", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("crm-followup", """{"accountId":"ACC-000002","callId":"CALL-00000002"}""", "read-last-call", "this run's input.accountId is 'ACC-000002'")]
    [InlineData("invoice-exceptions", """{"invoiceId":"INV-00000003","purchaseOrderId":"PO-00000001"}""", "read-purchase-order", "this run's invoice.poNumber is 'PO-00000003'")]
    public async Task Run_InputNamingAnotherRecordsCallOrOrder_IsRefusedAtThatReadAndWritesNothing(string workflow, string input, string step, string reason)
    {
        var runId = await StartAsync(Alice, workflow, JsonDocument.Parse(input).RootElement);

        var done = await WaitFinishedAsync(runId);

        Assert.Equal("Failed", done.GetProperty("status").GetString());
        Assert.Equal(step, done.GetProperty("failure").GetProperty("step").GetString());
        Assert.Contains(reason, done.GetProperty("failure").GetProperty("reason").GetString(), StringComparison.Ordinal);
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task SystemKeyInTheQueryString_IsRefusedAndNeverLogged()
    {
        using var anonymous = await host.Anonymous.GetAsync($"/runtime/webhooks/durabletask/instances?code={HostProcess.SystemKey}");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("Durable engine started", host.Output, StringComparison.Ordinal); // the host logs at Information here...
        Assert.DoesNotContain(HostProcess.SystemKey, host.Output, StringComparison.Ordinal); // ...and never a request's URL
    }

    [Fact]
    public async Task RaiseEvent_ARealDecisionOfAnotherRun_IsIgnored()
    {
        var first = await StartAsync(Alice);
        var second = await StartAsync(Alice);
        await WaitForGateAsync(first);
        await WaitForGateAsync(second);
        var decisionId = await ApproveAsync(first, Bob);
        await WaitFinishedAsync(first);
        await dev.Http.DeleteAsync("/_dev/requests");

        using var raised = await host.Http.PostAsJsonAsync($"/runtime/webhooks/durabletask/instances/{second}/raiseEvent/approval", new { decisionId });
        var status = await WaitAsync(second, s => s.GetProperty("approvals").GetArrayLength() > 0);

        Assert.Equal("ignored: no decision with this id was recorded by the approval service for this run",
            status.GetProperty("approvals")[0].GetProperty("counted").GetString());
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        await AssertNothingWrittenAsync();
    }

    [Fact]
    public async Task Quorum_TwoOfThree_SamePersonTwiceCountsOnceAndASecondPersonCompletes()
    {
        var runId = await StartAsync(Alice, "invoice-exceptions", new { invoiceId = "INV-00000003", purchaseOrderId = "PO-00000003" });
        var waiting = await WaitForGateAsync(runId);
        Assert.Equal("controller-approval", waiting.GetProperty("waitingFor").GetProperty("gate").GetString());

        var decisionId = await ApproveAsync(runId, "cfo@contoso.example");
        await WaitAsync(runId, s => s.GetProperty("approvals").GetArrayLength() == 1);
        using var cfo = host.As(await dev.SignInAsync("cfo@contoso.example"));
        using var again = await cfo.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true });
        using var changed = await cfo.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = false });
        using var replayed = await host.Http.PostAsJsonAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/approval", new { decisionId });
        var status = await WaitAsync(runId, s => s.GetProperty("approvals").GetArrayLength() >= 2);

        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.True((await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("alreadyRecorded").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.Equal(1, status.GetProperty("waitingFor").GetProperty("approvalsSoFar").GetInt32());
        // The identical repeat was not raised again (the run had heard it); the hand-raised replay was, and is ignored.
        Assert.Equal(["counted", "ignored: this principal already answered this gate"],
            status.GetProperty("approvals").EnumerateArray().Select(a => a.GetProperty("counted").GetString()));
        Assert.Equal("awaiting-approval", status.GetProperty("phase").GetString());
        Assert.DoesNotContain(await dev.RequestsAsync("finance"), r => r.GetProperty("method").GetString() == "PUT");

        await ApproveAsync(runId, "carl.controller@contoso.example");
        var done = await WaitFinishedAsync(runId);
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        var counted = done.GetProperty("approvals").EnumerateArray().Where(a => a.GetProperty("counted").GetString() == "counted").ToList();
        Assert.Equal(["Carl Controller", "Chris Fowler"], counted.Select(a => a.GetProperty("approver").GetProperty("name").GetString()).Order());
    }

    [Fact]
    public async Task GetRun_OnlyItsInitiatorItsApproversAndReadersMay()
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);

        foreach (var (person, expected) in new[] { (Alice, HttpStatusCode.OK), (Bob, HttpStatusCode.OK), (Ivan, HttpStatusCode.OK), (Mallory, HttpStatusCode.Forbidden), (Frank, HttpStatusCode.Forbidden) })
        {
            using var client = host.As(await dev.SignInAsync(person));
            using var response = await client.GetAsync($"/api/runs/{runId}");
            Assert.True(expected == response.StatusCode, $"{person}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Theory]
    [InlineData("AgentWorkflowOrchestrator")]
    [InlineData("ProbeOrchestrator")]
    public async Task GenericStarter_AnyOrchestrator_IsNoRouteAndStartsNothing(string name)
    {
        // Governed runs start only through the run API; the host ships no generic starter, even for administrators.
        var forged = new
        {
            runId = "forged-1", workflow = "crm-followup", definitionSha256 = new string('0', 64), input = new { accountId = "ACC-000002" },
            initiator = new { id = "x", name = "x" }, environment = "local",
        };

        using var response = await host.Http.PostAsJsonAsync($"/api/orchestrators/{name}/forged-1", forged);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var instance = await host.Http.GetAsync("/runtime/webhooks/durabletask/instances/forged-1");
        Assert.Equal(HttpStatusCode.NotFound, instance.StatusCode);
    }

    [Fact]
    public async Task Limits_OversizedFields_AreRefusedNamingFieldAndLimit()
    {
        using var alice = host.As(await dev.SignInAsync(Alice));
        using var bob = host.As(await dev.SignInAsync(Bob));
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);

        using var body = await alice.PostAsync("/api/workflows/crm-followup/runs", Json("{\"input\":{\"accountId\":\"" + new string('A', 70_000) + "\"}}"));
        using var input = await alice.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = "ACC-" + new string('0', 5_000) } });
        using var comment = await bob.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = new string('c', 40_000) });
        using var longId = await alice.GetAsync($"/api/runs/{new string('r', 300)}");
        using var longEvent = await host.Http.PostAsync($"/runtime/webhooks/durabletask/instances/{runId}/raiseEvent/approval", Json("{\"x\":\"" + new string('e', 20_000) + "\"}"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, body.StatusCode);
        Assert.Contains("65536 bytes", (await ProblemAsync(body)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, input.StatusCode);
        Assert.Contains("accountId", (await ProblemAsync(input)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, comment.StatusCode);
        Assert.Contains("the limit is 1000", (await ProblemAsync(comment)).Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, longId.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, longEvent.StatusCode);
        Assert.Equal("awaiting-approval", (await StatusAsync(runId)).GetProperty("phase").GetString());
    }

    [Fact]
    public async Task Status_OfACompletedRun_KeepsEveryStepAndStaysSmall()
    {
        var runId = await StartAsync(Alice);
        await WaitForGateAsync(runId);
        await ApproveAsync(runId, Bob);
        var done = await WaitFinishedAsync(runId);
        var instance = await host.GetJsonAsync<JsonElement>($"/runtime/webhooks/durabletask/instances/{runId}");

        Assert.Equal(5, done.GetProperty("steps").GetArrayLength());
        var customStatus = instance.GetProperty("customStatus").GetRawText();
        Assert.True(customStatus.Length < 8_000, $"custom status is {customStatus.Length} characters");
        Assert.DoesNotContain("transcript", customStatus, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("POST", "/api/workflows/no-such-workflow/runs", """{"input":{}}""")]
    [InlineData("POST", "/api/workflows/crm-followup/runs", "{not json")]
    [InlineData("GET", "/api/runs/no-such-run", null)]
    [InlineData("PUT", "/api/runs/x", null)]
    public async Task Errors_HaveABodyAndNeverAServerPath(string method, string path, string? body)
    {
        using var alice = host.As(await dev.SignInAsync(Alice));
        var request = Request(method, path);
        if (body is not null)
        {
            request.Content = Json(body);
        }

        using var response = await alice.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.NotEmpty(text);
        Assert.DoesNotContain(RepoPaths.Root, text, StringComparison.Ordinal);
        Assert.DoesNotContain("/workflows/", text.Replace(path, string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private async Task<string> StartAsync(string person, string workflow = "crm-followup", object? input = null)
    {
        using var client = host.As(await dev.SignInAsync(person));
        using var response = await client.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input = input ?? new { accountId = "ACC-000002" } });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }

    private async Task<ProblemView> StartExpectingAsync(string token, HttpStatusCode expected)
    {
        using var client = host.As(token);
        using var response = await client.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = "ACC-000002" } });
        Assert.True(expected == response.StatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await ProblemAsync(response);
    }

    private async Task<string> ApproveAsync(string runId, string person)
    {
        using var client = host.As(await dev.SignInAsync(person));
        using var response = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = "ok" });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("decisionId").GetString()!;
    }

    private Task<JsonElement> StatusAsync(string runId) => host.GetJsonAsync<JsonElement>($"/api/runs/{runId}");

    private Task<JsonElement> WaitAsync(string runId, Func<JsonElement, bool> condition) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", condition, Patience, "in the awaited state");

    private Task<JsonElement> WaitForGateAsync(string runId) => WaitAsync(runId, s => s.GetProperty("phase").GetString() == "awaiting-approval");

    private Task<JsonElement> WaitFinishedAsync(string runId) =>
        host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");

    /// <summary>No system saw a successful write (a POST or PUT that succeeded).</summary>
    private async Task AssertNothingWrittenAsync() =>
        Assert.DoesNotContain(await dev.RequestsAsync(), r => r.GetProperty("method").GetString() is "POST" or "PUT" && r.GetProperty("status").GetInt32() < 300);

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<ProblemView> ProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            var json = JsonDocument.Parse(text).RootElement;
            return new ProblemView(json.TryGetProperty("title", out var t) ? t.GetString() ?? string.Empty : string.Empty,
                json.TryGetProperty("detail", out var d) ? d.GetString() ?? string.Empty : string.Empty);
        }
        catch (JsonException)
        {
            return new ProblemView(string.Empty, $"(not a problem body: {text})");
        }
    }

    /// <summary>A JWT signed with a key nobody trusts.</summary>
    private static string SelfSigned(Dictionary<string, object> claims)
    {
        using var rsa = RSA.Create(2048);
        static string Part(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var input = Part(JsonSerializer.SerializeToUtf8Bytes(new { alg = "RS256", typ = "JWT", kid = "attacker" })) + "." + Part(JsonSerializer.SerializeToUtf8Bytes(claims));
        return input + "." + Part(rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private sealed record ProblemView(string Title, string Detail);

    /// <summary>The processes the class shares, started by its first test and stopped after its last.</summary>
    public sealed class SharedServices : IAsyncLifetime
    {
        private readonly SemaphoreSlim gate = new(1, 1);
        private DevServicesProcess? dev;
        private WriterProcess? writer;
        private HostProcess? host;

        internal async Task<(DevServicesProcess Dev, HostProcess Host)> StartOnceAsync(AzuriteFixture azurite)
        {
            await gate.WaitAsync();
            try
            {
                if (dev is null || host is null)
                {
                    dev = await DevServicesProcess.StartAsync(azurite);
                    var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);

                    // Information, so the tests can see that what is logged carries no secret.
                    settings["Logging__LogLevel__Default"] = "Information";
                    writer = await WriterProcess.StartAsync(settings, dev);
                    host = await HostProcess.StartHealthyAsync(settings);
                }

                return (dev, host);
            }
            finally
            {
                gate.Release();
            }
        }

        public Task InitializeAsync() => Task.CompletedTask;

        public async Task DisposeAsync()
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }

            if (writer is not null)
            {
                await writer.DisposeAsync();
            }

            if (dev is not null)
            {
                await dev.DisposeAsync();
            }

            gate.Dispose();
        }
    }
}
