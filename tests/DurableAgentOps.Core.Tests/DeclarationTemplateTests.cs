using System.Text.Json.Nodes;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

/// <summary>The small languages of declarations and drafts: path templates, draft templates and a read's alias.</summary>
public sealed class DeclarationTemplateTests
{
    private static readonly JsonObject Data = JsonNode.Parse("""
        {"input": {"entryId": "E/1 ?x=2"}, "entry": {"id": "E-7", "amount": 120.5, "memo": "freight", "date": "2031-05-06T10:00:00Z"}}
        """)!.AsObject();

    [Fact]
    public void Fill_ValueWithSlashAndQuery_IsEscapedAsOneSegment()
    {
        var path = PathTemplate.Fill("/api/entries/{input.entryId}/adjustments", p => Text(p));

        Assert.Equal("/api/entries/E%2F1%20%3Fx%3D2/adjustments", path);
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    public void Fill_ValueThatIsNotOneSegment_IsRefused(string value)
    {
        var error = Assert.Throws<FormatException>(() => PathTemplate.Fill("/api/entries/{entry.id}/adjustments", _ => value));

        Assert.Contains("'entry.id'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fill_AnyValueMissing_IsNull()
    {
        Assert.Null(PathTemplate.Fill("/api/entries/{input.entryId}/{entry.owner}", p => Text(p)));
    }

    [Theory]
    [InlineData("/a/{input.id}", null)]
    [InlineData("a/{input.id}", "must start with '/'")]
    [InlineData("/a/{input.id", "is not a {dotted.path} placeholder")]
    [InlineData("/a/{input.1id}", "which is not a dotted path")]
    [InlineData("/a//b", "must not contain '//'")]
    [InlineData("/\\evil.example/x", "must not contain")]
    [InlineData("/a/%2e%2e/b", "must not contain")]
    [InlineData("/a b", "must not contain")]
    public void Problem_Template_SaysWhatIsWrong(string template, string? problem)
    {
        var found = PathTemplate.Problem(template);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Render_Template_FillsTextKeepsLoneValuesTypedAndShiftsDates()
    {
        var template = new Dictionary<string, string>
        {
            ["adjustment.memo"] = "Reverse {entry.id}: {entry.memo}",
            ["adjustment.amount"] = "{entry.amount}",
            ["adjustment.due"] = "{entry.date|+3d}",
            ["adjustment.on"] = "on {entry.date|date}",
            ["adjustment.owner"] = "{entry.owner}",
            ["adjustment.note"] = "owner: {entry.owner}.",
            ["decision"] = "hold",
        };

        var draft = DraftTemplate.Render(template, p => Find(p));

        Assert.Equal(
            """{"adjustment":{"memo":"Reverse E-7: freight","amount":120.5,"due":"2031-05-09","on":"on 2031-05-06","owner":null,"note":"owner: ."},"decision":"hold"}""",
            draft.ToJsonString());
    }

    [Fact]
    public void Render_DateShiftedPastTheCalendar_IsNoValue()
    {
        var draft = DraftTemplate.Render(new Dictionary<string, string> { ["due"] = "{entry.date|+9999d}" }, _ => JsonValue.Create("9999-12-30"));

        Assert.Null(draft["due"]);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("date", null)]
    [InlineData("+3d", null)]
    [InlineData("-14d", null)]
    [InlineData("+3w", "unknown filter '|+3w'")]
    [InlineData("upper", "unknown filter '|upper'")]
    public void FilterProblem_Filter_AcceptsOnlyDateFilters(string? filter, string? problem)
    {
        var found = DraftTemplate.FilterProblem(filter);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.StartsWith(problem, found, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("accounts", "account")]
    [InlineData("entries", "entry")]
    [InlineData("addresses", "address")]
    [InlineData("batches", "batch")]
    [InlineData("boxes", "box")]
    [InlineData("purchaseOrders", "purchaseOrder")]
    [InlineData("status", "status")]
    [InlineData("statuses", "status")]
    [InlineData("inventory", "inventory")]
    public void Singular_ResourceName_IsTheAliasOfItsRead(string resource, string alias)
    {
        Assert.Equal(alias, StepAliases.Singular(resource));
    }

    private static string? Text(string path) => Find(path) is JsonValue value ? value.ToString() : null;

    private static JsonNode? Find(string path)
    {
        JsonNode? node = Data;
        foreach (var part in path.Split('.'))
        {
            node = (node as JsonObject)?[part];
        }

        return node;
    }
}
