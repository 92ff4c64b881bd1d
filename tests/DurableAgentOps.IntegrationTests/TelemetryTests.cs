using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// One governed run's telemetry as an operator's collector receives it: the standalone host exports OTLP (its
/// production exporter, chosen by OTEL_EXPORTER_OTLP_ENDPOINT) to a receiver in the test; the run drives real Azurite,
/// DevServices, the Teams webhook and a signed approval link.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class TelemetryTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly Core.Model.IdentityCatalogue Catalogue =
        WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml")).Catalogue;

    private OtlpReceiver otlp = null!;
    private TeamsReceiver teams = null!;
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        otlp = await OtlpReceiver.StartAsync();
        teams = await TeamsReceiver.StartAsync();
        dev = await DevServicesProcess.StartAsync(azurite);
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        foreach (var (key, value) in otlp.HostSettings())
        {
            settings[key] = value;
        }

        settings["AgentOps__Teams__WebhookUrl"] = teams.WebhookUrl.AbsoluteUri;
        settings["AgentOps__Approvals__LinkSigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
        await teams.DisposeAsync();
        await otlp.DisposeAsync();
    }

    [Fact]
    public async Task GovernedRun_CrmFollowup_OneTraceFromRunToEachCallGateAndWrite_NoValueOrTokenExported()
    {
        const string Account = "ACC-000002";
        const string Comment = "approved-with-comment-4f9c2e";
        var alice = await dev.SignInAsync("alice@contoso.example");
        var bob = await dev.SignInAsync("bob.manager@contoso.example");
        string runId;
        using (var client = host.As(alice))
        {
            var started = await client.PostAsJsonAsync("/api/workflows/crm-followup/runs", new { input = new { accountId = Account } });
            Assert.True(started.StatusCode == HttpStatusCode.Accepted, await started.Content.ReadAsStringAsync());
            runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
        }

        var waiting = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("phase").GetString() == "awaiting-approval", Patience, "at its gate");

        // The Teams card carries a signed link; opening it puts the token in a request path (the scrubber's to remove).
        var link = await WaitForAsync(() => teams.Posts.Select(p => LinkToken().Match(p.Body)).FirstOrDefault(m => m.Success)?.Groups[1].Value);
        using (var page = await host.Anonymous.GetAsync($"/approvals/{link}"))
        {
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode} {await page.Content.ReadAsStringAsync()}"); // the page, read-only
        }

        using (var client = host.As(bob))
        {
            var decided = await client.PostAsJsonAsync($"/api/runs/{runId}/approvals", new { approved = true, comment = Comment });
            Assert.True(decided.StatusCode == HttpStatusCode.Accepted, await decided.Content.ReadAsStringAsync());
        }

        var done = await host.WaitForJsonAsync($"/api/runs/{runId}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", Patience, "finished");
        Assert.Equal("completed", done.GetProperty("outcome").GetString());

        // The run's spans, once the last write and the run's end have been exported.
        var spans = await WaitForAsync(() =>
        {
            var all = otlp.Spans;
            return all.Any(s => s.Name.StartsWith("orchestration:AgentWorkflowOrchestrator", StringComparison.Ordinal))
                && all.Count(s => s.Name == "agentops.system.call" && s["agentops.system"] == "crm" && s["http.request.method"] == "POST") == 2
                ? all
                : null;
        });
        var run = Assert.Single(spans, s => s.Name == "agentops.run" && s["agentops.run.id"] == runId);
        Assert.Equal("DurableAgentOps.Runtime", run.Scope);
        Assert.Equal("crm-followup", run["agentops.workflow"]);
        Assert.Equal(waiting.GetProperty("definitionSha256").GetString(), run["agentops.definition.sha256"]);
        var trace = spans.Where(s => s.TraceId == run.TraceId).ToDictionary(s => s.SpanId);
        bool Under(ReceivedSpan span, ReceivedSpan ancestor)
        {
            for (var at = span; trace.TryGetValue(at.ParentSpanId, out var parent); at = parent)
            {
                if (parent.SpanId == ancestor.SpanId)
                {
                    return true;
                }
            }

            return false;
        }

        // run → the orchestration (the engine's span) → each step, under its own catalogue identity.
        var orchestration = Assert.Single(trace.Values, s => s.Name.StartsWith("orchestration:AgentWorkflowOrchestrator", StringComparison.Ordinal));
        Assert.Equal(run.SpanId, orchestration.ParentSpanId);
        var steps = trace.Values.Where(s => s.Name == "agentops.step").ToList();
        Assert.Equal(["draft-followup", "read-account", "read-last-call", "route-by-tier", "write-followup"], steps.Select(s => s["agentops.step.id"]).Order());
        foreach (var step in steps)
        {
            Assert.True(Under(step, orchestration), $"step {step["agentops.step.id"]} is not under the orchestration");
            var identity = Catalogue.Find(step["agentops.identity.name"]!)!;
            Assert.Equal(identity.ClientIds["local"], step["agentops.identity.client_id"]);
            Assert.Equal("crm-followup", step["agentops.workflow"]);
            Assert.Equal(runId, step["agentops.run.id"]);
            Assert.Equal("succeeded", step["agentops.step.outcome"]);
        }

        // step → system call: the reads under the readers, the two writes under the write step, after the gate's wait.
        var calls = spans.Where(s => s.Name == "agentops.system.call" && s.TraceId == run.TraceId).ToList();
        var byStep = calls.ToLookup(c => trace[c.ParentSpanId]["agentops.step.id"]);
        Assert.Equal(["crm.accounts.read"], byStep["read-account"].Select(c => c["agentops.operation"]));
        Assert.Equal(["crm.calls.read"], byStep["read-last-call"].Select(c => c["agentops.operation"]));
        Assert.Equal(["crm.notes.create", "crm.tasks.create"], byStep["write-followup"].Select(c => c["agentops.operation"]).Order());
        var writer = steps.Single(s => s["agentops.step.id"] == "write-followup");
        Assert.All(byStep["write-followup"], c => Assert.Equal(writer["agentops.identity.client_id"], c["agentops.identity.client_id"]));
        var wait = Assert.Single(trace.Values, s => s.Name == "agentops.gate.wait");
        Assert.Equal(run.SpanId, wait.ParentSpanId);
        Assert.Equal("manager-review", wait["agentops.gate.id"]);
        Assert.Equal("approved", wait["agentops.decision.outcome"]);
        Assert.True(wait.Start < wait.End && wait.End <= writer.Start, $"gate wait {wait.Start:O}–{wait.End:O}, write at {writer.Start:O}");
        Assert.Contains(trace.Values, s => s.Name == "agentops.gate.notify" && s["agentops.gate.id"] == "manager-review" && Under(s, orchestration));
        Assert.Contains(trace.Values, s => s.Name == "agentops.gate.verify" && s["agentops.decision.outcome"] == "approved" && Under(s, orchestration));
        Assert.Contains(trace.Values, s => s.Name == "agentops.evidence.append" && s["agentops.evidence.final"] == "True" && Under(s, orchestration));
        var decision = Assert.Single(spans, s => s.Name == "agentops.gate.decision" && s["agentops.run.id"] == runId);
        Assert.Equal([run.SpanId], decision.Links);

        // The approval page's request is traced by its route, never its path (the path is the link).
        Assert.Contains(spans, s => s.Attributes.TryGetValue("http.route", out var route) && route == "/approvals/{token}");

        // Metrics: the run counted, its steps timed by kind, its gate's wait, its evidence.
        var metrics = await WaitForAsync(() =>
        {
            var text = Text(otlp.Payloads.Where(p => p.Signal == "metrics"));
            return text.Contains("agentops.runs.completed", StringComparison.Ordinal) ? text : null;
        });
        Assert.All(["agentops.runs.started", "agentops.step.duration", "agentops.approval.wait", "agentops.evidence.appends", "agentops.system.call.duration"],
            name => Assert.Contains(name, metrics, StringComparison.Ordinal));

        // Nothing exported — any span or metric, any attribute, any status — holds an input value, a redacted value, a
        // token, a link, a key or the webhook's credential.
        var transcript = (await dev.GetAsAsync(Catalogue.Find("crm-reader")!.ClientIds["local"], "crm", $"/crm/accounts/{Account}/calls/latest"))!["transcript"]!.GetValue<string>();
        var secrets = new Dictionary<string, string>
        {
            ["input value"] = Account,
            ["redacted transcript"] = transcript,
            ["transcript's first words"] = transcript[..Math.Min(40, transcript.Length)],
            ["alice's token"] = alice,
            ["bob's token"] = bob,
            ["a JWT"] = "eyJ",
            ["link token"] = link,
            ["Teams signature"] = teams.Signature,
            ["system key"] = HostProcess.SystemKey,
            ["identity header"] = dev.IdentityHeader,
            ["vault key"] = HostProcess.VaultKey,
            ["comment"] = Comment,
        };
        var exported = Text(otlp.Payloads);
        Assert.Empty(secrets.Where(s => exported.Contains(s.Value, StringComparison.Ordinal)).Select(s => s.Key));
        Assert.DoesNotContain(spans, s => s.Attributes.ContainsKey("url.query") || s.Attributes.ContainsKey("url.full"));
    }

    private static string Text(IEnumerable<(string Signal, byte[] Body)> payloads) =>
        string.Join("\n", payloads.Select(p => Encoding.UTF8.GetString(p.Body)));

    private static async Task<T> WaitForAsync<T>(Func<T?> probe)
        where T : class
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < until, "not received within 30 s");
            await Task.Delay(250);
        }
    }

    [GeneratedRegex(@"/approvals/([A-Za-z0-9_\-\.~]{20,})")]
    private static partial Regex LinkToken();
}
