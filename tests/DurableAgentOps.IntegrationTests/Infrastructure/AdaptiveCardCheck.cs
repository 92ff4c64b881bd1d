using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// What the adaptivecards library (cards/validate-card.js, run with node) found in a card, plus a check of the JSON tree
/// against the element and action types Adaptive Cards 1.4 defines.
/// </summary>
internal sealed record CardReport(string? Version, IReadOnlyList<string> Errors, IReadOnlyList<string> Warnings,
    IReadOnlyList<(string Type, string? Title, string? Url)> Actions, IReadOnlyList<string> Markdown, IReadOnlyList<string> Texts);

internal static class AdaptiveCardCheck
{
    /// <summary>Every element (and inline) type of Adaptive Cards 1.4 (adaptivecards.io/explorer, schema 1.4).</summary>
    public static readonly IReadOnlySet<string> ElementTypes14 = new HashSet<string>(StringComparer.Ordinal)
    {
        "TextBlock", "Image", "Media", "RichTextBlock", "TextRun", "ActionSet", "Container", "ColumnSet", "Column", "FactSet",
        "ImageSet", "Input.Text", "Input.Number", "Input.Date", "Input.Time", "Input.Toggle", "Input.ChoiceSet",
    };

    /// <summary>Every action type of Adaptive Cards 1.4.</summary>
    public static readonly IReadOnlySet<string> ActionTypes14 = new HashSet<string>(StringComparer.Ordinal)
    {
        "Action.OpenUrl", "Action.Submit", "Action.ShowCard", "Action.ToggleVisibility", "Action.Execute",
    };

    private static string Script => Path.Combine(RepoPaths.Root, "tests", "DurableAgentOps.IntegrationTests", "cards", "validate-card.js");

    /// <summary>Runs the library's parser on the posted message (envelope or card) as a 1.4 host.</summary>
    public static async Task<CardReport> ValidateAsync(string message)
    {
        var info = new ProcessStartInfo("node")
        {
            ArgumentList = { Script },
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        await node.StandardInput.WriteAsync(message);
        node.StandardInput.Close();
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();
        var text = await stdout;
        Assert.True(text.Length > 0, $"validate-card.js printed nothing (exit {node.ExitCode}); stderr: {await stderr} " +
            "(are the npm packages installed? ./build.sh setup)");
        var report = JsonNode.Parse(text)!.AsObject();
        static IReadOnlyList<string> Events(JsonNode? list) =>
            [.. list!.AsArray().Select(e => $"{e!["event"]}: {e["message"]}")];
        return new CardReport(
            report["version"]?.GetValue<string>(),
            Events(report["errors"]),
            Events(report["warnings"]),
            [.. report["actions"]!.AsArray().Select(a => (a!["type"]!.GetValue<string>(), a["title"]?.GetValue<string>(), a["url"]?.GetValue<string>()))],
            [.. report["markdown"]!.AsArray().Select(m => $"{m!["text"]} -> {m["html"]}")],
            [.. report["texts"]!.AsArray().Select(t => t!.GetValue<string>())]);
    }

    /// <summary>Every "type" in the card's tree that is not an Adaptive Cards 1.4 element or action, with its path.</summary>
    public static IReadOnlyList<string> TypesOutside14(JsonObject card)
    {
        var found = new List<string>();
        Visit(card, "$", found, root: true);
        return found;
    }

    /// <summary>Every action anywhere in the tree (actions, selectAction, ActionSet, ShowCard cards), with its path.</summary>
    public static IReadOnlyList<(string Path, string Type, string? Url)> AllActions(JsonNode card)
    {
        var actions = new List<(string, string, string?)>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject o:
                    if (o["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>().StartsWith("Action.", StringComparison.Ordinal))
                    {
                        actions.Add((path, t.GetValue<string>(), o["url"]?.GetValue<string>()));
                    }

                    foreach (var (key, value) in o)
                    {
                        Walk(value, $"{path}.{key}");
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        Walk(a[i], $"{path}[{i}]");
                    }

                    break;
            }
        }

        Walk(card, "$");
        return actions;
    }

    private static void Visit(JsonNode? node, string path, List<string> found, bool root = false)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String)
                {
                    var type = t.GetValue<string>();
                    var known = root ? type == "AdaptiveCard" : ElementTypes14.Contains(type) || ActionTypes14.Contains(type) || type == "AdaptiveCard";
                    if (!known)
                    {
                        found.Add($"{path}: {type}");
                    }
                }

                foreach (var (key, value) in o)
                {
                    Visit(value, $"{path}.{key}", found);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Visit(a[i], $"{path}[{i}]", found);
                }

                break;
        }
    }
}
