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

        Assert.Contains("- **Evidence:** verified\n", md, StringComparison.Ordinal);
        Assert.Contains(@"- **Started by:** Alice Martin \<alice\@contoso\.example\> \(id t\/alice\)", md, StringComparison.Ordinal);
        Assert.Contains(@"| crm\-writer | client\-writer | write\-followup \(write\, succeeded\) |", md, StringComparison.Ordinal);
        Assert.Contains(@"crm\: crm\.tasks\.create\, crm\.notes\.create\; records region\=emea\; fields subject\, body", md, StringComparison.Ordinal);
        Assert.Contains(@"| manager\-review | Bob Manager \<bob\.manager\@contoso\.example\> \(id t\/bob\) | approved | email |", md, StringComparison.Ordinal);
        Assert.Contains(@"| crm | write\-followup | crm\-writer | crm\.tasks\.create\, crm\.notes\.create | ACC\-000002 | succeeded |", md, StringComparison.Ordinal);
        Assert.Contains(@"Nothing failed\.", md, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET-TOKEN", md, StringComparison.Ordinal);
    }

    [Fact]
    public void ToMarkdown_HostileCommentAndName_CannotAddMarkupLinksOrLines()
    {
        var md = IncidentReport.ToMarkdown(RunStory.From(Run(bobComment: Hostile, bobName: "Bob](https://evil.example) <b>x</b>")), Verified);

        Assert.DoesNotMatch(@"(?<!\\)<", md); // every '<' is escaped: no inline HTML can open
        Assert.DoesNotContain("](", md, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", md, StringComparison.Ordinal);
        Assert.DoesNotContain("www.evil", md, StringComparison.Ordinal);
        Assert.DoesNotContain(md.Split('\n'), l => l.StartsWith("# Approved", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', md);
        Assert.Contains(@"\<script\>alert\(1\)\<\/script\> \[click\]\(https\:\/\/evil\.example\/x\)", md, StringComparison.Ordinal);
        // Every table row still has the header's cell count: no '|' in a value splits a cell.
        var decisionRow = Assert.Single(md.Split('\n'), l => l.StartsWith(@"| manager\-review | Bob", StringComparison.Ordinal));
        Assert.Equal(11, UnescapedPipe().Matches(decisionRow).Count);
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

        Assert.Contains("<dl id=\"verdict\"><dt>Evidence</dt><dd>verified</dd></dl>", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"identities\">", html, StringComparison.Ordinal);
        Assert.Contains("<td>crm-writer</td><td>client-writer</td>", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"decisions\">", html, StringComparison.Ordinal);
        Assert.Contains("<td>email</td>", html, StringComparison.Ordinal);
        Assert.Contains("<table id=\"writes\">", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_BrokenOrMissingVerification_SayItAndNeverVerified()
    {
        var broken = new RunVerification(RunId, [new EvidenceProblem(EvidenceProblemKind.Changed, "record 3 was changed", RunId, 3)], []);

        var md = IncidentReport.ToMarkdown(RunStory.From(Run()), broken);
        var none = TimelineText.Render(RunStory.From(Run()), null);

        Assert.Contains(@"- **Evidence:** BROKEN\: record 3 was changed", md, StringComparison.Ordinal);
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
