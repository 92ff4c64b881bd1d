using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Values at a workflow's <c>evidence.redact</c> paths never land in clear: after runs that read a call transcript and
/// a customer's e-mail and phone, a scan of every table, blob and queue message of the task hub (the product's and the
/// engine's), of the host's log, of the approval mails, of what the APIs answer and of the runs' evidence exports finds
/// none of them — and no bearer token, key, approval-link token, page cookie or JWT-shaped string either (the steps'
/// identity tokens and the pages' id token included, which the test never sees) — and the runs still worked, one of
/// them approved from the mail's link through the page's sign-in and form.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed partial class RedactionTests(AzuriteFixture azurite, Smtp4devProcess smtp) : IAsyncLifetime, IClassFixture<Smtp4devProcess>
{
    private static readonly string LinkKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    // crm-followup redacts call.transcript; support-routing ticket.customerEmail and ticket.customerPhone (seed data).
    // Without characters JSON escapes (the '+' of the phone), so a value written escaped (\u002B44 …) is found too.
    private static readonly string[] Secrets = ["transcript of ACC-000002 call 4", "amelia.clarke@northwind.example", "20 5550 2302"];

    private readonly string hub = EngineHost.NewHubName();
    private DevServicesProcess dev = null!;
    private HostProcess host = null!;
    private OtlpReceiver otlp = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        otlp = await OtlpReceiver.StartAsync();
        var settings = HostProcess.DefaultSettings(azurite, hub, dev);
        foreach (var (name, value) in otlp.HostSettings())
        {
            settings[name] = value; // the host's traces and metrics are scanned too
        }


        settings["Logging__LogLevel__Default"] = "Information";
        HostProcess.SendMailTo(settings, smtp);
        settings["AgentOps__Approvals__LinkSigningKey"] = LinkKey;
        host = await HostProcess.StartHealthyAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await dev.DisposeAsync();
        await otlp.DisposeAsync();
    }

    [Fact]
    public async Task Runs_ThatReadRedactedFields_LeaveNoneOfTheirValuesInStateLogsOrAnswers()
    {
        var crm = await StartAsync("crm-followup", new { accountId = "ACC-000002" });
        await host.WaitForJsonAsync($"/api/runs/{crm}", s => s.GetProperty("phase").GetString() == "awaiting-approval", TimeSpan.FromSeconds(90), "waiting");
        var bobToken = await dev.SignInAsync("bob.manager@contoso.example");

        // Bob approves from his mail, as a person would: the link, the pages' sign-in (an id token, a code, cookies), the form.
        var bobsMail = await smtp.WaitForMessagesAsync(m => m.Subject.Contains(crm, StringComparison.Ordinal)
            && m.Subject.StartsWith("Approval needed", StringComparison.Ordinal) && m.To.Contains("bob.manager@contoso.example"), 1, TimeSpan.FromSeconds(60));
        var bobsLink = LinkToken().Match((await smtp.MessageAsync(bobsMail[0].Id)).PlainText ?? string.Empty);
        Assert.True(bobsLink.Success, "no approval link in bob's mail");
        var pagePath = $"/approvals/{bobsLink.Groups[1].Value}";
        using var browser = new PageBrowser(host.BaseUrl, System.Net.IPAddress.Loopback, cookies: true);
        var signedInPage = await browser.SignInAtPageAsync(pagePath, new Uri(dev.BaseUrl), "bob.manager@contoso.example");
        var form = PageBrowser.HiddenFields(signedInPage);
        form.Add(KeyValuePair.Create("decision", "approve"));
        using (var decided = await browser.PostAsync(pagePath, new FormUrlEncodedContent(form)))
        {
            Assert.True(decided.StatusCode == HttpStatusCode.OK, await decided.Content.ReadAsStringAsync());
        }

        var browserCookies = browser.Cookies!.GetAllCookies().Select(c => (c.Name, c.Value)).ToList();
        Assert.Contains(browserCookies, c => c.Name == "agentops.pages");

        var support = await StartAsync("support-routing", new { ticketId = "TCK-0000003" });
        foreach (var run in new[] { crm, support })
        {
            var done = await host.WaitForJsonAsync($"/api/runs/{run}", s => s.GetProperty("status").GetString() is "Completed" or "Failed", TimeSpan.FromSeconds(90), "finished");
            Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        }

        // The sample systems did get what they needed in clear (that is their data): redaction is about the product's state.
        var texts = new List<(string Where, string Text)>();
        texts.AddRange(await StorageScan.TablesAsync(azurite.ConnectionString, hub));
        texts.AddRange(await StorageScan.BlobsAsync(azurite.ConnectionString, hub));
        texts.AddRange(await StorageScan.QueuesAsync(azurite.ConnectionString, hub));
        foreach (var run in new[] { crm, support })
        {
            texts.Add(($"GET /api/runs/{run}", await host.Http.GetStringAsync($"/api/runs/{run}")));
            texts.Add(($"instance {run} with input and history", await host.Http.GetStringAsync($"/runtime/webhooks/durabletask/instances/{run}?showInput=true&showHistory=true")));
        }

        texts.Add(("host log", host.Output));
        // What the host exported over OTLP (protobuf keeps strings as UTF-8 bytes, so a value in it reads as itself).
        await Task.Delay(TimeSpan.FromSeconds(2)); // one export interval past the last span
        Assert.Contains(otlp.Payloads, p => p.Signal == "traces");
        texts.AddRange(otlp.Payloads.Select((p, i) => ($"exported {p.Signal} #{i}", System.Text.Encoding.UTF8.GetString(p.Body))));
        var ivanToken = await dev.SignInAsync("ivan.investigator@contoso.example");
        using (var ivan = host.As(ivanToken))
        {
            texts.Add(("GET /api/evidence/log", await ivan.GetStringAsync("/api/evidence/log")));
            foreach (var run in new[] { crm, support })
            {
                texts.Add(($"GET /api/runs/{run}/evidence", await ivan.GetStringAsync($"/api/runs/{run}/evidence")));
                texts.Add(($"export of {run}", await ivan.GetStringAsync($"/api/runs/{run}/evidence/bundle")));
            }
        }

        var mails = new List<Smtp4devMessage>();
        foreach (var mail in (await smtp.MessagesAsync()).Where(m => m.Subject.Contains(crm, StringComparison.Ordinal)))
        {
            mails.Add(await smtp.MessageAsync(mail.Id));
        }

        Assert.Contains(mails, m => m.Subject.StartsWith("Approval needed", StringComparison.Ordinal));
        var linkTokens = mails.SelectMany(m => LinkToken().Matches(m.PlainText ?? string.Empty)).Select(m => m.Groups[1].Value).Distinct().ToList();
        Assert.NotEmpty(linkTokens);

        Assert.True(texts.Count > 20, $"only {texts.Count} places scanned");
        foreach (var secret in Secrets)
        {
            var leaks = texts.Where(t => t.Text.Contains(secret, StringComparison.Ordinal)).Select(t => t.Where).ToList();
            Assert.True(leaks.Count == 0, $"'{secret}' found in clear in: {string.Join("; ", leaks)}");
        }

        Assert.Contains(texts, t => t.Text.Contains("redacted:hmac-sha256:", StringComparison.Ordinal)); // the markers stand in their place (JSON may escape «)

        // Mails carry the approver's own link, and nothing redacted.
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(mails, m => m.Raw.Contains(secret, StringComparison.Ordinal));
        }

        // No credential lands anywhere the product writes or answers: tokens, keys, link tokens.
        var signingKeyBody = string.Concat(HostProcess.EvidenceKey.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))[..48];
        var credentials = new List<(string What, string Value)>
        {
            ("bob's access token", bobToken), ("ivan's access token", ivanToken), ("the system key", HostProcess.SystemKey),
            ("the vault key", HostProcess.VaultKey), ("the link signing key", LinkKey), ("the evidence signing key", signingKeyBody),
            ("the identity endpoint's header secret", dev.IdentityHeader),
        };
        credentials.AddRange(linkTokens.Select(t => ("an approval link token", t)));
        credentials.AddRange(browserCookies.Where(c => c.Value.Length >= 16).Select(c => ($"the browser's {c.Name} cookie", c.Value)));
        foreach (var (what, value) in credentials)
        {
            var leaks = texts.Where(t => t.Text.Contains(value, StringComparison.Ordinal)).Select(t => t.Where).ToList();
            Assert.True(leaks.Count == 0, $"{what} found in: {string.Join("; ", leaks)}");
        }

        // Tokens the test never saw: the steps' managed-identity tokens, Graph tokens, the pages' id token. Any JWT at all
        // (three base64url parts, the first two JSON) is one of them, or a person's.
        foreach (var (where, text) in texts)
        {
            var jwt = JwtShaped().Match(text);
            Assert.False(jwt.Success, $"a JWT-shaped string in {where}: {(jwt.Success ? jwt.Value[..Math.Min(jwt.Value.Length, 24)] : string.Empty)}…");
        }

    }

    [System.Text.RegularExpressions.GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*")]
    private static partial System.Text.RegularExpressions.Regex JwtShaped();

    [System.Text.RegularExpressions.GeneratedRegex(@"/approvals/([A-Za-z0-9%._~-]{20,})")]
    private static partial System.Text.RegularExpressions.Regex LinkToken();

    private async Task<string> StartAsync(string workflow, object input)
    {
        using var alice = host.As(await dev.SignInAsync("alice@contoso.example"));
        using var response = await alice.PostAsJsonAsync($"/api/workflows/{workflow}/runs", new { input });
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString()!;
    }
}
