using System.Text.RegularExpressions;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;
using static DurableAgentOps.Core.Tests.Story.StoryFixture;

namespace DurableAgentOps.Core.Tests.Story;

public sealed partial class StoryRenderingTests
{
    private const string Hostile = "<script>alert(1)</script> [click](https://evil.example/x) ![i](http://evil.example/i.png)\n# Approved by CEO\n| a | b |\u001b[31m www.evil.example";

    [Fact]
    public void TimelineText_GovernedRun_IsOneLinePerEventWithOffsetAndLane()
    {
        var text = TimelineText.Render(RunStory.From(Run()), Verified);

        Assert.Contains("started 2026-11-30 09:00:00.000Z by Alice Martin <alice@contoso.example>; ended 2026-11-30 09:00:10.000Z: completed", text, StringComparison.Ordinal);
        Assert.Contains("evidence: verified\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\n  crm-writer\s+client client-writer; 1 step\(s\): write-followup \(write, succeeded\)\n", text);
        Assert.Matches(@"\n\+0:09\.000  #9   crm-writer\s+write step write-followup as crm-writer: crm\.tasks\.create, crm\.notes\.create on ACC-000002 — succeeded \(42 ms\)\n", text);
        Assert.Matches(@"\n\+0:08\.000  #8   gate\s+Bob Manager <bob\.manager@contoso\.example> approved at gate manager-review via email as group emea-sales-managers — counted; comment: looks right\n", text);
        Assert.Equal(11, EventLine().Matches(text).Count);
    }

    [Fact]
    public void TimelineText_CommentWithNewlinesAndEscapes_StaysOneLineWithoutControlCharacters()
    {
        var text = TimelineText.Render(RunStory.From(Run(bobComment: Hostile)), Verified);

        var line = Assert.Single(text.Split('\n'), l => l.Contains("approved at gate", StringComparison.Ordinal));
        Assert.Contains(@"\u000A# Approved by CEO", line, StringComparison.Ordinal);
        Assert.Contains(@"\u001B[31m", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', text);
        Assert.DoesNotContain(text.Split('\n'), l => l.StartsWith("# Approved", StringComparison.Ordinal));
    }

    [Fact]
    public void ToMarkdown_GovernedRun_AnswersWhoStartedWhoActedWhoApprovedWhatChangedAndTheVerdict()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(Run()), Verified);

        Assert.StartsWith($"# Incident report: run `{RunId}`\n", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Started by:** Alice Martin \<alice\@contoso.example\> (id `t/alice`)", md, StringComparison.Ordinal);
        Assert.Contains("| crm-writer | `client-writer` | write-followup (write, succeeded) |", md, StringComparison.Ordinal);
        Assert.Contains("crm: crm.tasks.create, crm.notes.create; records region=emea; fields subject, body", md, StringComparison.Ordinal);
        Assert.Contains(@"| manager-review | Bob Manager \<bob.manager\@contoso.example\> (id `t/bob`) | approved | email |", md, StringComparison.Ordinal);
        Assert.Contains("| crm | write-followup | crm-writer | crm.tasks.create, crm.notes.create | `ACC-000002` | succeeded |", md, StringComparison.Ordinal);
        Assert.Contains($"| `{new string('c', 64)}` |", md, StringComparison.Ordinal); // digests are code spans
        Assert.Contains("Nothing failed.", md, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", md, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_GovernedRun_OpensWithTheAccountOfStarterDraftDeciderAndWriteThenSaysWhatWasVerified()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(Run()), Verified);

        var account = md[md.IndexOf("## What happened\n", StringComparison.Ordinal)..md.IndexOf("## Verdict\n", StringComparison.Ordinal)];
        Assert.True(md.IndexOf("## What happened", StringComparison.Ordinal) < md.IndexOf("## The run", StringComparison.Ordinal));
        Assert.Contains(@"- Alice Martin \<alice\@contoso.example\> started crm-followup on 2026-11-30 at 09:00:00 UTC with input accountId `ACC-000002`.", account, StringComparison.Ordinal);
        Assert.Contains("- As crm-reader it read `ACC-000002`, `CALL-00000004` (crm.accounts.read, crm.calls.read).", account, StringComparison.Ordinal);
        Assert.Contains("- The model gpt-test drafted step draft-followup as drafter (model output, untrusted, quoted as drafted): task.subject “Follow up with Northwind”; task.dueDate “2026-12-02”.",
            account, StringComparison.Ordinal);
        Assert.Contains("waited at gate manager-review on 2026-11-30 at 09:00:05 UTC: route step route-by-tier chose gate manager-review. 2 people were asked (email: 2).", account, StringComparison.Ordinal);
        Assert.Contains(@"- Bob Manager \<bob.manager\@contoso.example\> approved at gate manager-review on 2026-11-30 at 09:00:08 UTC via email (as group emea-sales-managers), saying “looks right”.",
            account, StringComparison.Ordinal);
        Assert.Contains("- As crm-writer (client `client-writer`) the run wrote to crm: crm.tasks.create, crm.notes.create on `ACC-000002`, on 2026-11-30 at 09:00:01 UTC: succeeded; the system returned `TASK-1` (crm.tasks.create).",
            account, StringComparison.Ordinal);
        Assert.Contains("- The run ended on 2026-11-30 at 09:00:10 UTC: completed.", account, StringComparison.Ordinal);
        Assert.Contains("## Verdict\n\nVerified: all 11 of the run's records are intact and chained (each holds the hash of the one before), the run's signed head covers all of them, and that head is in the signed evidence log.\n",
            md, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_PlainSentenceInAComment_IsNotEscaped_APipeInATableCellIs()
    {
        const string Comment = "Approved (budget ok), per the call on 3.12 - thanks; 50% now! \"Fine\": see #12 & A+B=C.";

        var md = IncidentReport.ToMarkdown(RunStory.From(Run(bobComment: Comment + " a|b")), Verified);

        var account = Assert.Single(md.Split('\n'), l => l.StartsWith("- Bob Manager", StringComparison.Ordinal));
        Assert.Contains($"saying “{Comment} a|b”.", account, StringComparison.Ordinal); // outside a table a '|' is text
        var row = Assert.Single(md.Split('\n'), l => l.StartsWith("| manager-review | Bob", StringComparison.Ordinal));
        Assert.Contains($"| {Comment} a\\|b |", row, StringComparison.Ordinal);
        Assert.Equal(11, UnescapedPipe().Matches(row).Count);
    }

    [Fact]
    public void ToMarkdown_HostileCommentAndName_CannotAddMarkupLinksOrLines()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(Run(bobComment: Hostile, bobName: "Bob](https://evil.example) <b>x</b>", draftedSubject: "# Approved\n1. [x](javascript:alert(1))")), Verified);

        Assert.DoesNotMatch(@"(?<!\\)<", md); // every '<' is escaped: no inline HTML can open
        Assert.DoesNotMatch(@"(?<!\\)\]\(", md); // no link can close
        Assert.DoesNotContain("https://", md, StringComparison.Ordinal);
        Assert.DoesNotContain("www.evil", md, StringComparison.Ordinal);
        Assert.DoesNotContain(md.Split('\n'), l => l.StartsWith("# Approved", StringComparison.Ordinal) || l.StartsWith("1.", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', md);
        Assert.Contains(@"\<script\>alert(1)\</script\> \[click\](https\://evil.example/x) !\[i\](http\://evil.example/i.png) # Approved by CEO", md, StringComparison.Ordinal);
        Assert.Contains(@"www\.evil.example", md, StringComparison.Ordinal);
        // Every table row still has the header's cell count: no '|' in a value splits a cell.
        var decisionRow = Assert.Single(md.Split('\n'), l => l.StartsWith("| manager-review | Bob", StringComparison.Ordinal));
        Assert.Equal(11, UnescapedPipe().Matches(decisionRow).Count);
    }

    [Fact]
    public async Task ToMarkdown_RecordEditedInStorage_SaysWhatFailedAndWhatItMeansInPlainWords()
    {
        var records = Run();
        var head = RunHead.For(records[^1], true, records[^1].At.AddSeconds(1));
        var signer = new PemEvidenceSigner(PemEvidenceSigner.NewPrivateKeyPem());
        var stored = records.Select(StoredRecord.Of).ToList();
        stored[8] = StoredRecord.Parse(stored[8].Json.Replace("looks right", "looks fine", StringComparison.Ordinal), stored[8].StoredHash); // Bob's words changed
        var problems = EvidenceVerifier.VerifyRun(stored, head, await signer.SignAsync(head, CancellationToken.None), signer.PublicKey, RunId).Problems;

        var md = IncidentReport.ToMarkdown(RunStory.From(RunId, stored), new RunVerification(RunId, problems, []));

        Assert.Contains("## Verdict\n\nDoes not verify: 1 problem found, listed below. Do not rely on this report until it is explained.\n", md, StringComparison.Ordinal);
        Assert.Contains("- What failed: changed at seq 8: its content does not match its stored hash: a record was altered after it was written, so what it says may not be what happened\n",
            md, StringComparison.Ordinal);
        Assert.DoesNotContain("Verified", md, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_HostileCommentAndName_AreEncodedAndTheDocumentHasNoScript()
    {
        var html = IncidentReport.ToHtml(RunStory.From(Run(bobComment: Hostile, bobName: "<img src=x onerror=alert(1)>")), Verified);

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;", html, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(html, "<style>").Cast<Match>());
        Assert.Contains("<style>" + IncidentReport.Stylesheet + "</style>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", html, StringComparison.Ordinal);
    }

    [Fact]
    public void ToHtml_GovernedRun_HasTheSectionsAndTheVerdict()
    {
        var html = IncidentReport.ToHtml(RunStory.From(Run()), Verified);

        Assert.Contains("<p id=\"verdict\">Verified: all 11 of the run&#x27;s records are intact and chained", html, StringComparison.Ordinal);
        Assert.Contains("<ul id=\"account\"><li>Alice Martin &lt;alice@contoso.example&gt; started crm-followup", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"identities\" class=\"stack\">", html, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Identity\">crm-writer</td><td data-label=\"Client id\"><code>client-writer</code></td>", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"decisions\" class=\"stack\">", html, StringComparison.Ordinal);
        Assert.Contains("<td data-label=\"Channel\">email</td>", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"writes\" class=\"stack\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_BrokenOrMissingVerification_SayItAndNeverVerified()
    {
        var broken = new RunVerification(RunId, [new EvidenceProblem(EvidenceProblemKind.Changed, "record 3 was changed", RunId, 3)], []);

        var md = IncidentReport.ToMarkdown(RunStory.From(Run()), broken);
        var none = TimelineText.Render(RunStory.From(Run()), null);

        Assert.Contains("- **Evidence:** BROKEN: record 3 was changed", md, StringComparison.Ordinal);
        Assert.Contains("- What failed: record 3 was changed: a record was altered after it was written", md, StringComparison.Ordinal);
        Assert.DoesNotContain("verified\n", md, StringComparison.Ordinal);
        Assert.Contains("evidence: not verified (no verification was available)", none, StringComparison.Ordinal);
    }

    [Fact]
    public void StylesheetHashSource_IsTheSha256OfTheStylesheet()
    {
        var expected = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(IncidentReport.Stylesheet)));

        Assert.Equal($"'sha256-{expected}'", IncidentReport.StylesheetHashSource);
    }

    [GeneratedRegex(@"(?m)^[+-]\d+:\d\d\.\d{3}  #")]
    private static partial Regex EventLine();

    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex UnescapedPipe();
}
