using System.Text.RegularExpressions;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Core.Tests;

/// <summary>Paths to the shipped workflows and fixtures copied beside the test assembly, and their expectation markers.</summary>
internal static partial class TestFiles
{
    public static string Workflows => Path.Combine(AppContext.BaseDirectory, "workflows");

    public static string Fixtures => Path.Combine(AppContext.BaseDirectory, "Fixtures");

    public static string Workflow(string name) => Path.Combine(Workflows, name + ".yaml");

    public static string Read(string path) => File.ReadAllText(path);

    /// <summary><paramref name="text"/> with <paramref name="from"/> replaced; fails when it is not there, so an edit never silently does nothing.</summary>
    public static string Edit(string text, string from, string to)
    {
        Assert.Contains(from, text, StringComparison.Ordinal);
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    public static LoadedCatalogue ShippedCatalogue() => WorkflowLoader.LoadCatalogue(Path.Combine(Workflows, WorkflowLoader.CatalogueFileName));

    /// <summary>Lines marked "# expect: DAO0xx [DAO0yy]" as (code, line) pairs.</summary>
    public static HashSet<(string Code, int Line)> Expectations(string path)
    {
        var expected = new HashSet<(string, int)>();
        var lines = File.ReadAllLines(path);
        for (var i = 0; i < lines.Length; i++)
        {
            if (ExpectMarker().Match(lines[i]) is { Success: true } match)
            {
                foreach (var code in match.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    expected.Add((code, i + 1));
                }
            }
        }

        return expected;
    }

    public static HashSet<(string Code, int Line)> Actual(IEnumerable<Finding> findings) => findings.Select(f => (f.Code, f.Line)).ToHashSet();

    [GeneratedRegex(@"#\s*expect:\s*((?:DAO\d{3}\s*)+)$")]
    private static partial Regex ExpectMarker();
}
