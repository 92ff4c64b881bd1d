using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Loading;

/// <summary>An identity catalogue with its findings; <see cref="Exists"/> is false when no file was found.</summary>
public sealed record LoadedCatalogue(string File, bool Exists, IdentityCatalogue Catalogue, SourceMap Map, IReadOnlyList<Finding> Findings)
{
    public bool HasErrors => Findings.Any(f => f.IsError);

    /// <summary>No catalogue to judge by: an empty one, with the error that says why.</summary>
    public static LoadedCatalogue Missing(string file, string message) =>
        new(file, false, IdentityCatalogue.Empty, new SourceMap(file), [new Finding(file, 1, 1, Severity.Error, FindingCodes.CatalogueMissing, message)]);
}

/// <summary>A workflow file after loading and validation: the definition (null only if the file is unusable) and every finding.</summary>
public sealed record LoadedWorkflow(string File, WorkflowDefinition? Definition, SourceMap Map, IReadOnlyList<Finding> Findings, LoadedCatalogue Catalogue)
{
    /// <summary>Errors in the workflow or in its catalogue make it unfit to run or explain.</summary>
    public bool HasErrors => Definition is null || Findings.Any(f => f.IsError) || Catalogue.HasErrors;

    /// <summary>The catalogue's findings, then the workflow's.</summary>
    public IEnumerable<Finding> AllFindings => Catalogue.Findings.Concat(Findings);

    /// <summary>The input a run's orchestration takes; refuses definitions with errors.</summary>
    public WorkflowSnapshot ToSnapshot()
    {
        if (HasErrors)
        {
            throw new InvalidOperationException($"{File} has errors; run 'agentops validate' first");
        }

        return WorkflowSnapshot.Create(Definition!, Catalogue.Catalogue);
    }
}

/// <summary>Reads workflow files and the identity catalogue. Never throws for bad input: problems are findings.</summary>
public static class WorkflowLoader
{
    public const string CatalogueFileName = "identities.yaml";

    /// <summary>Loads a workflow with the identities.yaml beside it.</summary>
    public static LoadedWorkflow Load(string path) => Load(path, LoadCatalogue(CataloguePathFor(path)));

    public static LoadedWorkflow Load(string path, LoadedCatalogue catalogue) =>
        TryRead(path, out var text, out var failure)
            ? Parse(text, path, catalogue)
            : new LoadedWorkflow(path, null, new SourceMap(path), [failure], catalogue);

    /// <summary>Parses and validates workflow text; <paramref name="file"/> is only used to name findings.</summary>
    public static LoadedWorkflow Parse(string text, string file, LoadedCatalogue catalogue)
    {
        var findings = new List<Finding>();
        var map = new SourceMap(file);
        var root = YamlTreeParser.Parse(text, file, findings);
        var definition = findings.Any(f => f.Code == FindingCodes.YamlSyntax) ? null : WorkflowBinder.Bind(root, new Binder(map, findings));
        if (definition is not null)
        {
            findings.AddRange(WorkflowValidator.Validate(definition, catalogue.Catalogue, map, catalogue.Exists));
        }

        return new LoadedWorkflow(file, definition, map, Sort(findings), catalogue);
    }

    public static string CataloguePathFor(string workflowPath) =>
        Path.Combine(Path.GetDirectoryName(workflowPath) ?? string.Empty, CatalogueFileName);

    public static LoadedCatalogue LoadCatalogue(string path)
    {
        if (!File.Exists(path))
        {
            return LoadedCatalogue.Missing(path, $"identity catalogue not found (expected {CatalogueFileName} beside the workflow)");
        }

        return TryRead(path, out var text, out var failure)
            ? ParseCatalogue(text, path)
            : new LoadedCatalogue(path, false, IdentityCatalogue.Empty, new SourceMap(path), [failure]);
    }

    public static LoadedCatalogue ParseCatalogue(string text, string file)
    {
        var findings = new List<Finding>();
        var map = new SourceMap(file);
        var root = YamlTreeParser.Parse(text, file, findings);
        var catalogue = findings.Any(f => f.Code == FindingCodes.YamlSyntax) ? IdentityCatalogue.Empty : CatalogueBinder.Bind(root, new Binder(map, findings));
        findings.AddRange(CatalogueValidator.Validate(catalogue, map));
        return new LoadedCatalogue(file, true, catalogue, map, Sort(findings));
    }

    /// <summary>Over-privilege warnings for a catalogue, given every workflow that shares it.</summary>
    public static IReadOnlyList<Finding> FindUnusedGrants(LoadedCatalogue catalogue, IEnumerable<LoadedWorkflow> workflows) =>
        Sort(CatalogueValidator.FindUnused(catalogue.Catalogue, catalogue.Map, workflows.Where(w => w.Definition is not null).Select(w => w.Definition!)));

    private static bool TryRead(string path, out string text, out Finding failure)
    {
        text = string.Empty;
        failure = null!;
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = ex is FileNotFoundException or DirectoryNotFoundException ? "file not found" : ex.Message;
            failure = new Finding(path, 1, 1, Severity.Error, FindingCodes.FileUnreadable, $"cannot read file: {reason}");
            return false;
        }
    }

    private static List<Finding> Sort(List<Finding> findings) =>
        [.. findings.Distinct().OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column).ThenBy(f => f.Code, StringComparer.Ordinal)];
}
