using DurableAgentOps.Core.Diagnostics;

namespace DurableAgentOps.Core.Loading;

public sealed record ValidationReport(IReadOnlyList<string> Files, IReadOnlyList<Finding> Findings)
{
    public int Errors => Findings.Count(f => f.Severity == Severity.Error);

    public int Warnings => Findings.Count(f => f.Severity == Severity.Warning);
}

/// <summary>
/// Validates files and folders the way CI does: each workflow against the catalogue beside it, each catalogue once,
/// no two workflows of one folder with the same name, and, for a catalogue that is itself part of the set, the
/// over-privilege check over the workflows in the set.
/// </summary>
public static class WorkflowSetValidator
{
    public static ValidationReport Validate(IEnumerable<string> paths)
    {
        var findings = new List<Finding>();
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path).Where(IsYaml).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                findings.Add(new Finding(path, 1, 1, Severity.Error, FindingCodes.FileUnreadable, $"no such file or directory{NearestFile(path)}"));
            }
        }

        files = [.. files.Distinct(StringComparer.Ordinal)];
        var catalogues = new Dictionary<string, LoadedCatalogue>(StringComparer.Ordinal);
        LoadedCatalogue CatalogueAt(string path)
        {
            var full = Path.GetFullPath(path);
            if (!catalogues.TryGetValue(full, out var catalogue))
            {
                catalogue = WorkflowLoader.LoadCatalogue(path);
                catalogues[full] = catalogue;
                findings.AddRange(catalogue.Findings);
            }

            return catalogue;
        }

        // A system declaration named on its own is checked as part of its catalogue (but grants are judged only for a
        // catalogue named itself, with the workflows named beside it).
        foreach (var declaration in files.Where(SystemFiles.IsDeclaration))
        {
            CatalogueAt(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(declaration)))!, WorkflowLoader.CatalogueFileName));
        }

        var checkedCatalogues = files.Where(IsCatalogue).Select(CatalogueAt).ToList();
        var workflows = files.Where(f => !IsCatalogue(f) && !SystemFiles.IsDeclaration(f))
            .Select(f => WorkflowLoader.Load(f, CatalogueAt(WorkflowLoader.CataloguePathFor(f))))
            .ToList();
        findings.AddRange(workflows.SelectMany(w => w.Findings));
        foreach (var folder in workflows.GroupBy(w => Path.GetDirectoryName(Path.GetFullPath(w.File)), StringComparer.Ordinal))
        {
            findings.AddRange(WorkflowFolder.FindDuplicateNames(folder));
        }

        foreach (var catalogue in checkedCatalogues.Where(c => c.Exists && !c.HasErrors))
        {
            findings.AddRange(WorkflowLoader.FindUnusedGrants(catalogue, workflows.Where(w => ReferenceEquals(w.Catalogue, catalogue))));
        }

        return new ValidationReport(files, findings.Distinct().ToList());
    }

    /// <summary>"; did you mean '&lt;folder&gt;/x.yaml'?" for a mistyped path: the closest YAML file of the folder it names.</summary>
    private static string NearestFile(string path)
    {
        var folder = Path.GetDirectoryName(path);
        var files = Directory.Exists(string.IsNullOrEmpty(folder) ? "." : folder)
            ? Directory.EnumerateFiles(string.IsNullOrEmpty(folder) ? "." : folder).Where(IsYaml).Select(Path.GetFileName).OfType<string>()
            : [];
        return NearestName.Find(Path.GetFileName(path), files) is { } near
            ? $"; did you mean '{(string.IsNullOrEmpty(folder) ? near : Path.Combine(folder, near))}'?"
            : string.Empty;
    }

    public static bool IsCatalogue(string path) => string.Equals(Path.GetFileName(path), WorkflowLoader.CatalogueFileName, StringComparison.Ordinal);

    public static bool IsYaml(string path) => path.EndsWith(".yaml", StringComparison.Ordinal) || path.EndsWith(".yml", StringComparison.Ordinal);
}
