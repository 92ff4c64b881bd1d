using System.Diagnostics;
using AngleSharp.Html.Parser;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>The email channel against a real SMTP server (smtp4dev), read back through smtp4dev's API as a mail client gets it.</summary>
[Collection(Smtp4devCollection.Name)]
public sealed class EmailNotifierTests(Smtp4devProcess smtp)
{
    private const string From = "approvals@contoso.example";

    [Fact]
    public async Task SendAsync_RequestToTwoApprovers_EachGetsOneMailWithOnlyTheirOwnLink()
    {
        using var host = new NotifierHost(Settings());
        var notice = Notices.Request();
        var bob = Notices.Person("Bob Manager", Notices.Address("bob"));
        var carol = Notices.Person("Carol Director", Notices.Address("carol"));

        var result = await host.Email.SendAsync(notice, [bob, carol], CancellationToken.None);

        Assert.True(result is { Channel: "email", Sent: 2, Failures.Count: 0 }, string.Join("; ", result.Failures));
        foreach (var (me, other) in new[] { (bob, carol), (carol, bob) })
        {
            var mails = await smtp.WaitForMessagesAsync(m => m.To.Contains(me.Email), 1);
            var only = Assert.Single(mails);
            var mail = await smtp.MessageAsync(only.Id);
            Assert.Equal([me.Email], mail.DeliveredTo);
            Assert.Equal($"Approval needed: crm-followup run {notice.RunId} — create a task on ACC-000002", mail.Subject);
            Assert.Contains(mail.RawHeaderLines(), l => l.StartsWith("Content-Type: multipart/alternative", StringComparison.OrdinalIgnoreCase));
            Assert.Equal("auto-generated", Header(mail, "Auto-Submitted"));
            Assert.Contains(From, mail.From, StringComparison.Ordinal);

            var html = new HtmlParser().ParseDocument(mail.Html!);
            var links = html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")).Distinct().ToList();
            Assert.Equal([me.Link.AbsoluteUri], links);
            Assert.Contains($"Review and decide: {me.Link.AbsoluteUri}", mail.PlainText, StringComparison.Ordinal);
            Assert.DoesNotContain(other.Link.AbsoluteUri, mail.Html, StringComparison.Ordinal);
            Assert.DoesNotContain(other.Link.AbsoluteUri, mail.PlainText, StringComparison.Ordinal);

            // The change table: one row per field, before → after, "(new)" where the record had no value.
            var rows = html.QuerySelectorAll("tr").Select(tr => tr.QuerySelectorAll("td").Select(td => Plain(td.TextContent)).ToList()).Where(c => c.Count == 4).ToList();
            Assert.Contains(["crm.tasks.create on ACC-000002 (crm)", "subject", "(new)", "Follow up on the renewal"], rows);
            Assert.Contains(["crm.tasks.create on ACC-000002 (crm)", "dueDate", "2031-05-01", "2031-05-09"], rows);
            var text = Plain(html.Body!.TextContent);
            foreach (var expected in new[]
            {
                "crm-writer", "2b7f6c1e-0000-4000-8000-0000000000c4", "crm.tasks.create, crm.tasks:subject,body,dueDate", "Alice Initiator",
                "2031-05-06T07:08:09Z (UTC)", "1 of 2 approvals so far", "writes to a customer account need a sales manager", notice.ChangeDigest,
            })
            {
                Assert.Contains(expected, text, StringComparison.Ordinal);
                Assert.Contains(expected, Plain(mail.PlainText!), StringComparison.Ordinal);
            }

            Assert.Contains("subject: (new) → Follow up on the renewal", mail.PlainText, StringComparison.Ordinal);
        }

        Assert.Equal(2, host.Logs.Entries.Count(e => e.EventId == 200));
        foreach (var secret in new[] { bob.Link.AbsoluteUri, carol.Link.AbsoluteUri, bob.Link.Query, bob.Email, carol.Email })
        {
            Assert.DoesNotContain(secret, host.Logs.AllText, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SendAsync_DraftedMarkup_ShowsAsTextInBothParts()
    {
        using var host = new NotifierHost(Settings());
        var notice = Notices.Request(subject: "<script>alert(1)</script>", body: "<b>x</b> and [click](https://evil.example/login) or https://evil.example/pay");
        var bob = Notices.Person("Bob <b>Manager</b>", Notices.Address("bob"));

        var result = await host.Email.SendAsync(notice, [bob], CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var mail = await smtp.MessageAsync(Assert.Single(await smtp.WaitForMessagesAsync(m => m.To.Contains(bob.Email), 1)).Id);
        Assert.DoesNotContain("<script>", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", mail.Html, StringComparison.OrdinalIgnoreCase);
        var html = new HtmlParser().ParseDocument(mail.Html!);
        Assert.Empty(html.QuerySelectorAll("script"));
        Assert.Empty(html.QuerySelectorAll("b"));
        Assert.Equal([bob.Link.AbsoluteUri], html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")).Distinct());
        var cells = html.QuerySelectorAll("td").Select(td => Plain(td.TextContent)).ToList();
        Assert.Contains("<script>alert(1)</script>", cells);
        Assert.Contains("<b>x</b> and [click](https://evil.example/login) or https://evil.example/pay", cells);

        // The plain part shows the characters as typed; the drafted URLs are not links (no plain "https://evil…").
        Assert.Contains("<script>alert(1)</script>", mail.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("https://evil.example", mail.PlainText, StringComparison.Ordinal);
        Assert.Contains("https://evil.example/pay", Plain(mail.PlainText!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_LineBreaksInNamesAndValues_AddNoHeader()
    {
        using var host = new NotifierHost(Settings());
        var notice = Notices.Request() with
        {
            Workflow = "crm-followup\r\nX-Injected: yes\r\nBcc: thief@attacker.example" + new string('w', 400),
            InitiatorName = "Alice\nReply-To: thief@attacker.example",
        };
        var bob = Notices.Person("Bob\r\nBcc: thief@attacker.example\r\nX-Injected: name", Notices.Address("bob"));

        var result = await host.Email.SendAsync(notice, [bob], CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var mail = await smtp.MessageAsync(Assert.Single(await smtp.WaitForMessagesAsync(m => m.To.Contains(bob.Email), 1)).Id);
        var lines = mail.RawHeaderLines();
        foreach (var injected in new[] { "X-Injected:", "Bcc:", "Reply-To:" })
        {
            Assert.DoesNotContain(lines, line => line.StartsWith(injected, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(mail.Headers, h => string.Equals(h.Key + ":", injected, StringComparison.OrdinalIgnoreCase));
        }

        Assert.Equal([bob.Email], mail.DeliveredTo);
        Assert.Single(mail.To);
        Assert.Empty(mail.Cc);
        Assert.Empty(mail.Bcc);
        Assert.DoesNotContain('\n', mail.Subject);
        Assert.True(mail.Subject.Length <= ApprovalMail.MaxSubjectLength, $"subject of {mail.Subject.Length} characters");
        Assert.EndsWith("…", mail.Subject, StringComparison.Ordinal);
        Assert.StartsWith("Approval needed: crm-followup X-Injected: yes Bcc: thief@attacker.example", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SmtpUnreachable_RetriesThenReportsEachRecipientWithoutThrowing()
    {
        const string password = "pw-Sup3r-secret-value";
        var closed = FreePort.Next(); // nothing listens there once the probe listener is gone
        using var host = new NotifierHost(Settings(closed, new()
        {
            ["AgentOps:Email:UserName"] = "agentops",
            ["AgentOps:Email:Password"] = password,
            ["AgentOps:Email:MaxRetries"] = "2",
        }));
        var bob = Notices.Person("Bob", Notices.Address("bob"));
        var carol = Notices.Person("Carol", Notices.Address("carol"));
        var clock = Stopwatch.StartNew();

        var result = await host.Email.SendAsync(Notices.Request(), [bob, carol], CancellationToken.None);

        Assert.Equal(0, result.Sent);
        Assert.True(result.AllFailed);
        Assert.Equal(2, result.Failures.Count);
        Assert.StartsWith($"{bob.Email}: not sent: cannot connect to 127.0.0.1:{closed} (ConnectionRefused); gave up after 3 attempts", result.Failures[0], StringComparison.Ordinal);
        Assert.StartsWith($"{carol.Email}: not sent: ", result.Failures[1], StringComparison.Ordinal);
        Assert.Equal(2, host.Logs.Entries.Count(e => e.EventId == 201)); // two retries, for the first recipient only
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.DoesNotContain(password, string.Join("\n", result.Failures), StringComparison.Ordinal);
        Assert.DoesNotContain(password, host.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(bob.Link.AbsoluteUri, host.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_RecipientRefusedOrGreylisted_ReportsOnlyTheRefusedAndRetriesThe4xx()
    {
        var ok = Notices.Person("Olga", "olga@contoso.example");
        var refused = Notices.Person("Rita", "rita@contoso.example");
        var greylisted = Notices.Person("Gus", "gus@contoso.example");
        await using var server = new ScriptedSmtpServer((address, attempt) => address switch
        {
            "rita@contoso.example" => "550 5.1.1 no such user here",
            "gus@contoso.example" when attempt <= 2 => "451 4.7.1 greylisted, try again later",
            _ => "250 2.1.5 OK",
        });
        using var host = new NotifierHost(Settings(server.Port));

        var result = await host.Email.SendAsync(Notices.Request(), [ok, refused, greylisted], CancellationToken.None);

        Assert.Equal(2, result.Sent);
        var failure = Assert.Single(result.Failures);
        Assert.Equal("rita@contoso.example: not sent: the server answered 550 5.1.1 no such user here (permanent; not retried)", failure);
        Assert.Equal(1, server.TriesFor(refused.Email));
        Assert.Equal(3, server.TriesFor(greylisted.Email));
        Assert.Equal(["olga@contoso.example", "gus@contoso.example"], server.Accepted.Select(a => a.Recipient));
        Assert.Contains(host.Logs.Entries, e => e.EventId == 202 && e.Message.Contains("550", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendAsync_OutcomeToTheInitiator_SaysTheOutcomeAndLinksTheRun()
    {
        using var host = new NotifierHost(Settings());
        var notice = Notices.Request() with { Kind = NoticeKind.Outcome, Outcome = "approved", ApprovalsSoFar = 2 };
        var alice = Notices.Person("Alice Initiator", Notices.Address("alice"));

        var result = await host.Email.SendAsync(notice, [alice], CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var mail = await smtp.MessageAsync(Assert.Single(await smtp.WaitForMessagesAsync(m => m.To.Contains(alice.Email), 1)).Id);
        Assert.Equal($"Approved: crm-followup run {notice.RunId} — create a task on ACC-000002", mail.Subject);
        Assert.Contains($"Open the run: {alice.Link.AbsoluteUri}", mail.PlainText, StringComparison.Ordinal);
        Assert.Contains("2 of 2 approvals so far", mail.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("Review and decide", mail.PlainText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_AddressWithALineBreak_IsReportedAndTheOthersAreSent()
    {
        using var host = new NotifierHost(Settings());
        var bad = Notices.Person("Mallory", "mallory@contoso.example\r\nBcc: thief@attacker.example");
        var bob = Notices.Person("Bob", Notices.Address("bob"));

        var result = await host.Email.SendAsync(Notices.Request(), [bad, bob], CancellationToken.None);

        Assert.Equal(1, result.Sent);
        Assert.Equal("mallory@contoso.example Bcc: thief@attacker.example: not sent: the address is not one plain mail address", Assert.Single(result.Failures));
        Assert.Empty(await smtp.WaitForMessagesAsync(m => m.To.Any(t => t.Contains("attacker", StringComparison.Ordinal)), 1, TimeSpan.FromSeconds(1)));
    }

    private Dictionary<string, string?> Settings(int? port = null, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AgentOps:Email:Host"] = "127.0.0.1",
            ["AgentOps:Email:Port"] = (port ?? smtp.SmtpPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["AgentOps:Email:Security"] = "None",
            ["AgentOps:Email:From"] = From,
            ["AgentOps:Email:FirstRetryDelay"] = "00:00:00.050",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    private static string Header(Smtp4devMessage mail, string name) =>
        mail.Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value ?? string.Empty;

    /// <summary>What a reader sees: the zero-width spaces that keep drafted URLs from being links are invisible.</summary>
    private static string Plain(string text) => text.Replace("\u200B", string.Empty, StringComparison.Ordinal).Trim();
}
