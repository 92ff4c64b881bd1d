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
            Assert.Equal([me.Link.AbsoluteUri, notice.RunPage!.AbsoluteUri], links); // their own link, and the run's page (sign-in)
            Assert.Contains($"Review and decide:\n{me.Link.AbsoluteUri}\n", mail.PlainText, StringComparison.Ordinal);
            Assert.Contains($"Follow the run:\n{notice.RunPage.AbsoluteUri}\n", mail.PlainText, StringComparison.Ordinal);
            Assert.DoesNotContain(other.Link.AbsoluteUri, mail.Html, StringComparison.Ordinal);
            Assert.DoesNotContain(other.Link.AbsoluteUri, mail.PlainText, StringComparison.Ordinal);

            // The change table: the record as a caption, then one row per field, before → after, "(new)" where it had no value.
            Assert.Equal(["crm.tasks.create on ACC-000002 (crm)"], html.QuerySelectorAll("td.record").Select(td => td.TextContent));
            var rows = html.QuerySelectorAll("tr").Select(tr => tr.QuerySelectorAll("td").Select(td => Plain(td.TextContent)).ToList()).Where(c => c.Count == 3).ToList();
            Assert.Contains(["subject", "(new)", "Follow up on the renewal"], rows);
            Assert.Contains(["dueDate", "2031-05-01", "2031-05-09"], rows);
            var text = Plain(html.Body!.TextContent);
            foreach (var expected in new[]
            {
                "crm-writer", "2b7f6c1e-0000-4000-8000-0000000000c4", "crm.tasks.create, crm.tasks:subject,body,dueDate", "Alice Initiator",
                "2031-05-06T07:08:09Z (UTC)", "1 of 2 approvals — waiting for one more", "writes to a customer account need a sales manager", notice.ChangeDigest,
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
        Assert.Equal([bob.Link.AbsoluteUri, notice.RunPage!.AbsoluteUri], html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")).Distinct());
        var cells = html.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToList();
        Assert.Contains("<script>alert(1)</script>", cells);
        Assert.Contains("<b>x</b> and [click](https://evil.example/login) or https://evil.example/pay", cells); // exactly the value, nothing added
        // No text node holds a whole drafted URL for a client to link: each place a link could start is an element of its own.
        Assert.DoesNotContain(AngleSharp.Dom.NodeExtensions.GetDescendants(html.Body!).OfType<AngleSharp.Dom.IText>(), t => t.Data.Contains("evil.example", StringComparison.Ordinal) || t.Data.Contains("https://evil", StringComparison.Ordinal));

        // The plain part shows markup as typed; what looks like an address is bracketed, so no client links it.
        Assert.Contains("<script>alert(1)</script>", mail.PlainText, StringComparison.Ordinal);
        Assert.DoesNotContain("https://evil.example", mail.PlainText, StringComparison.Ordinal);
        Assert.Contains("<b>x</b> and [click](https[:]//evil[.]example/login) or https[:]//evil[.]example/pay", mail.PlainText, StringComparison.Ordinal);
        AssertNoZeroWidth(mail);
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
    public async Task SendAsync_RejectionToTheStarter_NamesWhoWhereAndTheCommentAsTypedAndLinksTheRunPage()
    {
        using var host = new NotifierHost(Settings());
        const string Comment = "<b>Not now</b>: see [policy](https://evil.example/p) **first** & 5 < 6,\nask ana@evil.example by 10:30 or pay 1,250.00";
        var notice = Notices.Outcome("rejected at gate sales-manager", NoticeAudience.Starter, Notices.Decision("Bob Manager", approved: false, "email", Comment));
        var alice = new NoticeRecipient("t/alice", "Alice Initiator", Notices.Address("alice"), notice.RunPage!);

        var result = await host.Email.SendAsync(notice, [alice], CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var mail = await smtp.MessageAsync(Assert.Single(await smtp.WaitForMessagesAsync(m => m.To.Contains(alice.Email), 1)).Id);
        Assert.Equal($"Rejected: crm-followup run {notice.RunId} — create a task on ACC-000002", mail.Subject);
        var html = new HtmlParser().ParseDocument(mail.Html!);
        Assert.Equal("Rejected", html.QuerySelector("#banner h2")!.TextContent);
        Assert.Contains("#cf222e", html.QuerySelector("#banner")!.GetAttribute("style"), StringComparison.Ordinal); // red, as the card's attention
        Assert.Contains("Bob Manager rejected your crm-followup run at gate sales-manager: nothing was written", html.Body!.TextContent, StringComparison.Ordinal);
        var decision = Assert.Single(html.QuerySelectorAll(".decision"));
        Assert.StartsWith("Rejected by Bob Manager from the mail link, 2031-05-04T09:30:00Z (UTC)", decision.TextContent, StringComparison.Ordinal);
        Assert.Equal("Comment: " + Comment, decision.QuerySelector(".comment")!.TextContent); // the characters as typed
        Assert.Empty(html.QuerySelectorAll("b, strong, em"));
        Assert.Equal([notice.RunPage!.AbsoluteUri], html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")).Distinct());

        Assert.Contains("Rejected by Bob Manager from the mail link, 2031-05-04T09:30:00Z (UTC)\n", mail.PlainText, StringComparison.Ordinal);
        Assert.Contains("Comment: <b>Not now</b>: see [policy](https[:]//evil[.]example/p) **first** & 5 < 6,\n", mail.PlainText, StringComparison.Ordinal);
        Assert.Contains("ask ana[@]evil[.]example by 10:30 or pay 1,250.00", mail.PlainText, StringComparison.Ordinal);
        Assert.Contains($"Open the run:\n{notice.RunPage.AbsoluteUri}\n", mail.PlainText, StringComparison.Ordinal);
        foreach (var part in new[] { mail.PlainText!, html.Body.TextContent })
        {
            Assert.DoesNotContain("so far", part, StringComparison.Ordinal);
            Assert.DoesNotContain("Why you are asked", part, StringComparison.Ordinal);
            Assert.DoesNotContain("Review and decide", part, StringComparison.Ordinal);
            Assert.DoesNotContain("yours alone", part, StringComparison.Ordinal);
        }

        AssertNoZeroWidth(mail);
    }

    [Fact]
    public async Task SendAsync_CoApproverAfterAnApproval_IsToldTheirAnswerIsNoLongerNeeded()
    {
        using var host = new NotifierHost(Settings());
        var notice = Notices.Outcome("approved at gate sales-manager; the change was written", NoticeAudience.CoApprovers,
            Notices.Decision("Ana Silva", approved: true, "teams", "fine"));
        var carol = new NoticeRecipient("t/carol", "Carol Director", Notices.Address("carol"), notice.RunPage!);

        var result = await host.Email.SendAsync(notice, [carol], CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var mail = await smtp.MessageAsync(Assert.Single(await smtp.WaitForMessagesAsync(m => m.To.Contains(carol.Email), 1)).Id);
        Assert.Equal($"No longer needed: Ana Silva approved: crm-followup run {notice.RunId} — create a task on ACC-000002", mail.Subject);
        Assert.Contains("You were asked to decide on Alice Initiator's crm-followup run at gate sales-manager. Ana Silva approved, so your answer is no longer needed",
            mail.PlainText, StringComparison.Ordinal);
        var html = new HtmlParser().ParseDocument(mail.Html!);
        Assert.Equal("No longer needed: Ana Silva approved", html.QuerySelector("#banner h2")!.TextContent);
        Assert.Contains("#1a7f37", html.QuerySelector("#banner")!.GetAttribute("style"), StringComparison.Ordinal);
        Assert.Equal([notice.RunPage!.AbsoluteUri], html.QuerySelectorAll("a[href]").Select(a => a.GetAttribute("href")).Distinct());
        Assert.DoesNotContain("Review and decide", mail.PlainText, StringComparison.Ordinal);
        AssertNoZeroWidth(mail);
    }

    [Fact]
    public async Task SendAsync_ReminderAfterOneOfTwoApprovals_SaysOneMoreIsAwaited()
    {
        using var host = new NotifierHost(Settings());
        var notice = Notices.Request() with { Kind = NoticeKind.Reminder, Quorum = 2, ApprovalsSoFar = 1 };
        var carol = Notices.Person("Carol Director", Notices.Address("carol"));

        var result = await host.Email.SendAsync(notice, [carol], CancellationToken.None);

        Assert.True(result.Sent == 1, string.Join("; ", result.Failures));
        var mail = await smtp.MessageAsync(Assert.Single(await smtp.WaitForMessagesAsync(m => m.To.Contains(carol.Email), 1)).Id);
        Assert.StartsWith("Reminder: approval still needed: ", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("Approvals: 1 of 2 approvals — waiting for one more\n", mail.PlainText, StringComparison.Ordinal);
        var html = new HtmlParser().ParseDocument(mail.Html!);
        Assert.Contains(html.QuerySelectorAll("tr"), tr => tr.TextContent == "Approvals1 of 2 approvals — waiting for one more");
        AssertNoZeroWidth(mail);
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

    private static string Plain(string text) => text.Trim();

    /// <summary>Nothing invisible inside values: copying or searching a value finds it as typed.</summary>
    internal static void AssertNoZeroWidth(Smtp4devMessage mail)
    {
        foreach (var part in new[] { mail.Html!, mail.PlainText! })
        {
            Assert.DoesNotContain(part, c => c is '\u200B' or '\u200C' or '\u200D' or '\u2060' or '\uFEFF');
        }
    }
}
