using System.Text.RegularExpressions;
using DurableAgentOps.Core.Diff;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Core.Tests;

/// <summary>
/// Random, seeded mutations of the shipped files: the loader, validator, explainer, differ and snapshot never throw,
/// and every finding points at a real line of the mutated text.
/// </summary>
public sealed partial class FuzzTests
{
    private const int Seed = 20261129;
    private const int Mutations = 10_000;

    private static readonly string[] Junk = ["[", "]", "{", "}", ":", ": ", ",", "- ", "&a ", "*a", "!!int ", "|", ">", "'", "\"", "#", "\t", "%", "@", "`", "~", "null", "---\n", "...\n", "? ", "\\u0000", "é", "\n"];

    [Fact]
    public void LoadValidateExplainDiff_TenThousandMutations_NeverThrowAndEveryFindingHasALine()
    {
        var random = new Random(Seed);
        var catalogueText = TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName));
        var workflows = new[] { "crm-followup", "invoice-exceptions", "support-routing" }.Select(n => TestFiles.Read(TestFiles.Workflow(n))).ToArray();
        var vocabulary = workflows.Append(catalogueText).SelectMany(t => Token().Matches(t).Select(m => m.Value)).Distinct().Order(StringComparer.Ordinal).ToArray();
        var catalogue = WorkflowLoader.ParseCatalogue(catalogueText, "identities.yaml");
        var originals = workflows.Select((t, i) => WorkflowLoader.Parse(t, $"original-{i}.yaml", catalogue)).ToArray();
        var codes = new HashSet<string>();
        var clean = 0;

        for (var i = 0; i < Mutations; i++)
        {
            var mutateCatalogue = random.Next(5) == 0;
            var target = random.Next(workflows.Length);
            var text = Mutate(mutateCatalogue ? catalogueText : workflows[target], random, vocabulary);
            try
            {
                var usedCatalogue = mutateCatalogue ? WorkflowLoader.ParseCatalogue(text, "mutant.yaml") : catalogue;
                var loaded = WorkflowLoader.Parse(mutateCatalogue ? workflows[target] : text, "mutant.yaml", usedCatalogue);
                var findings = loaded.Findings.Concat(usedCatalogue.Findings).Concat(WorkflowLoader.FindUnusedGrants(usedCatalogue, [loaded])).ToList();
                var lines = text.Split('\n').Length + 1;
                var otherLines = (mutateCatalogue ? workflows[target] : catalogueText).Split('\n').Length + 1;
                foreach (var finding in findings)
                {
                    Assert.Matches("^DAO[0-9]{3}$", finding.Code);
                    Assert.InRange(finding.Column, 1, 10_000);
                    Assert.InRange(finding.Line, 1, finding.File == "mutant.yaml" ? lines : otherLines);
                    codes.Add(finding.Code);
                }

                if (!loaded.HasErrors)
                {
                    clean++;
                    _ = WorkflowExplainer.Explain(loaded.Definition!, usedCatalogue.Catalogue);
                    Assert.True(loaded.ToSnapshot().IsIntact());
                    var diff = WorkflowDiffer.Compare(originals[target], loaded);
                    Assert.All(diff.Changes, c => Assert.True(c.Line >= 1));
                }
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"mutation {i} (seed {Seed}) threw {ex.GetType().Name}: {ex.Message}\n--- input ---\n{text}");
            }
        }

        // The mutations must reach the semantic rules, not just YAML syntax errors, or this test proves little.
        Assert.True(codes.Count >= 25, $"only {codes.Count} distinct codes: {string.Join(", ", codes.Order())}");
        Assert.InRange(clean, 100, Mutations - 1000);
    }

    private static string Mutate(string text, Random random, string[] vocabulary)
    {
        var lines = text.Split('\n').ToList();
        var count = 1 + random.Next(3);
        for (var m = 0; m < count && lines.Count > 0; m++)
        {
            var at = random.Next(lines.Count);
            switch (random.Next(9))
            {
                case 0:
                    lines.RemoveAt(at);
                    break;
                case 1:
                    lines.Insert(at, lines[at]);
                    break;
                case 2 when at + 1 < lines.Count:
                    (lines[at], lines[at + 1]) = (lines[at + 1], lines[at]);
                    break;
                case 3:
                    lines[at] = random.Next(2) == 0 ? "  " + lines[at] : lines[at].StartsWith("  ", StringComparison.Ordinal) ? lines[at][2..] : lines[at];
                    break;
                case 4:
                case 5:
                    lines[at] = ReplaceToken(lines[at], random, vocabulary);
                    break;
                case 6:
                    var position = random.Next(lines[at].Length + 1);
                    lines[at] = lines[at].Insert(position, Junk[random.Next(Junk.Length)]);
                    break;
                case 7:
                    lines[at] = lines[at][..random.Next(lines[at].Length + 1)];
                    break;
                default:
                    var line = lines[at];
                    lines.RemoveAt(at);
                    lines.Insert(random.Next(lines.Count + 1), line);
                    break;
            }
        }

        return string.Join('\n', lines);
    }

    /// <summary>Swaps one word-like token for another from the files, so mutants stay plausible and reach semantic rules.</summary>
    private static string ReplaceToken(string line, Random random, string[] vocabulary)
    {
        var tokens = Token().Matches(line);
        if (tokens.Count == 0)
        {
            return line;
        }

        var token = tokens[random.Next(tokens.Count)];
        return string.Concat(line.AsSpan(0, token.Index), vocabulary[random.Next(vocabulary.Length)], line.AsSpan(token.Index + token.Length));
    }

    [GeneratedRegex(@"[A-Za-z0-9$][\w.\-@${}']*")]
    private static partial Regex Token();
}
