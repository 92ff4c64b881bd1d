using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>
/// The Teams message for a notice: the Workflows webhook envelope around an Adaptive Card 1.4 (what cards posted
/// through a Workflows webhook render up to), made of TextBlock, FactSet and Container only, with one
/// <c>Action.OpenUrl</c> to the page, and on a request a second to the run's page (Submit and Execute would never reach this service). Every drafted or read value
/// is shown as plain text (<see cref="UntrustedText.ForMarkdown"/>), and the whole message stays under
/// <see cref="MaxMessageBytes"/>: long values are cut with "…", and the card then says so.
/// </summary>
internal static class AdaptiveCardBuilder
{
    public const string Schema = "http://adaptivecards.io/schemas/adaptive-card.json";
    public const string Version = "1.4";
    public const string ContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>Teams refuses a message of about 28 KB (413); 28,000 bytes of UTF-8 JSON leaves room for the transport.</summary>
    public const int MaxMessageBytes = 28_000;

    public const string CutNote =
        "Some values on this card are cut short (…) to fit a Teams message; the page shows the whole change.";

    /// <summary>The JSON is an HTTP body, never embedded in HTML: non-ASCII text stays as it is, so the size is the text's.</summary>
    internal static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Tried in turn until the message fits: longest value, most change lines shown.
    private static readonly (int Value, int Lines)[] Budgets =
        [(2000, 100), (1000, 60), (500, 40), (250, 30), (120, 20), (60, 12), (30, 8)];

    /// <summary>The message to post, as UTF-8 JSON, and whether anything on the card was cut short.</summary>
    public static (byte[] Body, bool Cut) BuildMessage(ApprovalNotice notice, Uri link)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(link);
        byte[] body = [];
        var cut = false;
        foreach (var (value, lines) in Budgets)
        {
            var texts = new Texts(value);
            var card = Card(notice, link, texts, lines);
            body = JsonSerializer.SerializeToUtf8Bytes(Envelope(card), Json);
            cut = texts.Cut;
            if (body.Length <= MaxMessageBytes)
            {
                break;
            }
        }

        return (body, cut);
    }

    public static JsonObject Envelope(JsonObject card) => new()
    {
        ["type"] = "message",
        ["attachments"] = new JsonArray(new JsonObject
        {
            ["contentType"] = ContentType,
            ["contentUrl"] = null,
            ["content"] = card,
        }),
    };

    private static JsonObject Card(ApprovalNotice notice, Uri link, Texts t, int maxLines)
    {
        var outcome = notice.Kind == NoticeKind.Outcome;
        var heading = Text(t.Value(NoticeText.Heading(notice)), "Medium", bold: true);
        if (HeadingColour(notice) is { } colour)
        {
            heading["color"] = colour;
        }

        var body = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "Container",
                ["style"] = Style(notice),
                ["items"] = new JsonArray { heading, Text(t.Value(NoticeText.Title(notice))) },
            },
            Text(t.Value(NoticeText.Intro(notice))),
        };

        if (outcome)
        {
            AddDecisions(body, notice, t);
        }

        var facts = new List<(string Title, string Value)>
        {
            ("Workflow", t.Line(notice.Workflow)),
            ("Run", t.Line(notice.RunId)),
            ("Step", t.Line(notice.StepId)),
            ("Started by", t.Line(notice.InitiatorName)),
            ("Gate", t.Line(notice.Gate)),
        };
        facts.AddRange(outcome
            ? [("Outcome", NoticeText.VerdictWord(NoticeText.VerdictOf(notice)))]
            : [("Approvals", UntrustedText.EscapeMarkdown(NoticeText.Approvals(notice))), ("Decide by", UntrustedText.EscapeMarkdown(NoticeText.Deadline(notice)))]);
        body.Add(Facts([.. facts]));
        body.Add(Section("The exact change"));

        var shown = 0;
        foreach (var record in NoticeText.ByRecord(notice.Change))
        {
            if (shown >= maxLines)
            {
                break;
            }

            var lines = record.Take(maxLines - shown).ToList();
            shown += lines.Count;
            body.Add(new JsonObject
            {
                ["type"] = "Container",
                ["items"] = new JsonArray
                {
                    Text(t.Line($"{record.Key.Operation} on {record.Key.Record} ({record.Key.System})"), subtle: true),
                    Facts([.. lines.Select(line => (t.Line(line.Field), $"{t.Line(NoticeText.Before(line))} → {t.Line(line.After)}"))]),
                },
            });
        }

        if (notice.Change.Count > shown)
        {
            t.Cut = true;
            body.Add(Text($"… and {notice.Change.Count - shown} more field{(notice.Change.Count - shown == 1 ? string.Empty : "s")}: see the page."));
        }

        body.Add(Section("Who makes it"));
        body.Add(Facts([
            .. NoticeText.MadeAs(notice) is { } madeAs ? [("Made as", t.Line(madeAs))] : Array.Empty<(string, string)>(),
            ("Identity", t.Line(notice.WriterIdentity)),
            ("Client id", t.Line(notice.WriterClientId)),
            ("Scope", t.Line(NoticeText.Scope(notice)))]));
        body.Add(Section(outcome ? "Why it needed approval" : "Why you are asked"));
        body.Add(Text(t.Value(notice.WhyThisGate)));
        body.Add(Text("Change digest: " + UntrustedText.EscapeMarkdown(UntrustedText.ForHeader(notice.ChangeDigest, 200)), subtle: true, small: true));
        if (notice.Kind != NoticeKind.Outcome)
        {
            body.Add(Text(NoticeText.LinkNote, subtle: true));
        }

        if (t.Cut)
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = CutNote, ["wrap"] = true, ["color"] = "Warning" });
        }

        return new JsonObject
        {
            ["$schema"] = Schema,
            ["type"] = "AdaptiveCard",
            ["version"] = Version,
            // Teams' own extension: use the channel's width for the change.
            ["msteams"] = new JsonObject { ["width"] = "Full" },
            ["body"] = body,
            ["actions"] = Actions(notice, link),
        };
    }

    /// <summary>The button to the page; on a request, reminder or escalation a second one to the run's page (sign-in).</summary>
    private static JsonArray Actions(ApprovalNotice notice, Uri link)
    {
        var actions = new JsonArray
        {
            new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = NoticeText.ActionTitle(notice), ["url"] = link.AbsoluteUri },
        };
        if (notice.Kind != NoticeKind.Outcome && notice.RunPage is { } runPage && runPage != link)
        {
            actions.Add(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Follow the run", ["url"] = runPage.AbsoluteUri });
        }

        return actions;
    }

    /// <summary>
    /// The outcome's decisions with their comments, then, for the channel and co-approvers, that nobody else need answer:
    /// a card posted through a webhook cannot be changed, so this card follows the request card instead.
    /// </summary>
    private static void AddDecisions(JsonArray body, ApprovalNotice notice, Texts t)
    {
        var decisions = notice.Decisions ?? [];
        if (decisions.Count > 0 && notice.Audience != NoticeAudience.CoApprovers)
        {
            body.Add(Section("Decided"));
            foreach (var decision in decisions)
            {
                body.Add(new JsonObject
                {
                    ["type"] = "Container",
                    ["style"] = decision.Approved ? "good" : "attention",
                    ["items"] = new JsonArray
                    {
                        Text(t.Line(NoticeText.DecisionLine(decision)), bold: true),
                        decision.Comment is null ? Text(NoticeText.NoComment, subtle: true) : Text("Comment: " + t.Value(decision.Comment)),
                    },
                });
            }
        }

        if (notice.Audience == NoticeAudience.Channel)
        {
            body.Add(Text(t.Value(NoticeText.NoLongerNeeded(notice)) + ". Approvers who had not answered need do nothing; the request card above stays as it was sent (Teams cannot change a card posted through a webhook).", bold: true));
        }
    }

    /// <summary>The same meaning as the mail's banner: approved good, rejected attention, timed out or cancelled warning.</summary>
    public static string Style(ApprovalNotice notice) => notice.Kind switch
    {
        NoticeKind.Outcome => NoticeText.WriteUnfinished(notice) ? "warning" : NoticeText.VerdictOf(notice) switch
        {
            NoticeVerdict.Approved => "good",
            NoticeVerdict.Rejected => "attention",
            _ => "warning",
        },
        NoticeKind.Escalation => "warning",
        _ => "emphasis",
    };

    private static string? HeadingColour(ApprovalNotice notice) => notice.Kind != NoticeKind.Outcome ? null : Style(notice) switch
    {
        "good" => "Good",
        "attention" => "Attention",
        _ => "Warning",
    };

    private static JsonObject Section(string title) => new()
    {
        ["type"] = "TextBlock", ["text"] = title, ["weight"] = "Bolder", ["spacing"] = "Medium", ["wrap"] = true,
    };

    private static JsonObject Text(string text, string? size = null, bool bold = false, bool subtle = false, bool small = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (size is not null || small)
        {
            block["size"] = size ?? "Small";
        }

        if (bold)
        {
            block["weight"] = "Bolder";
        }

        if (subtle)
        {
            block["isSubtle"] = true;
        }

        return block;
    }

    private static JsonObject Facts(params (string Title, string Value)[] facts) => new()
    {
        ["type"] = "FactSet",
        ["facts"] = new JsonArray([.. facts.Select(f => (JsonNode)new JsonObject { ["title"] = f.Title, ["value"] = f.Value })]),
    };

    /// <summary>Untrusted text for this card at one budget; remembers whether anything was cut.</summary>
    private sealed class Texts(int max)
    {
        public bool Cut { get; set; }

        /// <summary>Multi-line text (a TextBlock of its own), bounded and plain.</summary>
        public string Value(string text) => UntrustedText.ForMarkdown(Bound(text, UntrustedText.ForBody));

        /// <summary>One line (a fact, a caption): white space and line breaks become single spaces.</summary>
        public string Line(string text) => UntrustedText.ForMarkdown(Bound(text, t => UntrustedText.ForHeader(t, int.MaxValue)));

        /// <summary>
        /// Normalises, then cuts to the budget. A value far past the budget is cut before it is normalised, so a
        /// megabyte of drafted text costs no more than a few thousand characters at every budget tried.
        /// </summary>
        private string Bound(string text, Func<string, string> normalise)
        {
            var early = text.Length > max * 4;
            if (early)
            {
                var end = max * 4;
                text = text[..(char.IsHighSurrogate(text[end - 1]) ? end - 1 : end)];
            }

            text = normalise(text);
            if (!early && text.Length <= max)
            {
                return text;
            }

            Cut = true;
            return text.Length > max ? UntrustedText.Cut(text, max) : text + UntrustedText.Ellipsis;
        }
    }
}
