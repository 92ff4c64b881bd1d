using System.Diagnostics.CodeAnalysis;
using System.Text;
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

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>Loads a workflow with the identities.yaml beside it.</summary>
    public static LoadedWorkflow Load(string path) => Load(path, LoadCatalogue(CataloguePathFor(path)));

    public static LoadedWorkflow Load(string path, LoadedCatalogue catalogue) =>
        TryRead(path, out var text, out var failure)
            ? Parse(text, path, catalogue)
            : new LoadedWorkflow(path, null, new SourceMap(path), [failure], catalogue);

    /// <summary>Decodes (strict UTF-8, see <see cref="TryDecode"/>), parses and validates workflow bytes.</summary>
    public static LoadedWorkflow Parse(byte[] bytes, string file, LoadedCatalogue catalogue) =>
        TryDecode(bytes, file, out var text, out var failure)
            ? Parse(text, file, catalogue)
            : new LoadedWorkflow(file, null, new SourceMap(file), [failure], catalogue);

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

        var loaded = TryRead(path, out var text, out var failure)
            ? ParseCatalogue(text, path)
            : new LoadedCatalogue(path, false, IdentityCatalogue.Empty, new SourceMap(path), [failure]);
        var attached = SystemFiles.Attach(loaded, SystemFiles.FolderFor(path));
        return attached with { Findings = Sort([.. attached.Findings]) };
    }

    /// <summary>Decodes (strict UTF-8, see <see cref="TryDecode"/>) and parses catalogue bytes.</summary>
    public static LoadedCatalogue ParseCatalogue(byte[] bytes, string file) =>
        TryDecode(bytes, file, out var text, out var failure)
            ? ParseCatalogue(text, file)
            : new LoadedCatalogue(file, false, IdentityCatalogue.Empty, new SourceMap(file), [failure]);

    /// <summary>
    /// Strict UTF-8 (a leading byte-order mark is allowed and dropped): bytes that are not UTF-8 would otherwise
    /// become U+FFFD, and a reviewer would approve text the loader did not read. The failure is DAO000 at the line
    /// and column of the first invalid byte.
    /// </summary>
    public static bool TryDecode(byte[] bytes, string file, out string text, [NotNullWhen(false)] out Finding? failure)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var start = bytes.AsSpan().StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        try
        {
            text = StrictUtf8.GetString(bytes, start, bytes.Length - start);
            failure = null;
            return true;
        }
        catch (DecoderFallbackException ex)
        {
            // Index is the first invalid byte, counted from start; every byte before it decodes.
            var at = start + Math.Max(0, ex.Index);
            var before = bytes.AsSpan(start, at - start);
            var lineStart = before.LastIndexOf((byte)'\n') + 1;
            var line = before.Count((byte)'\n') + 1;
            var column = StrictUtf8.GetCharCount(before[lineStart..]) + 1;
            text = string.Empty;
            failure = new Finding(file, line, column, Severity.Error, FindingCodes.FileUnreadable, $"cannot read file: not valid UTF-8 (byte 0x{bytes[at]:X2} at offset {at}); save it as UTF-8");
            return false;
        }
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

    internal static bool TryReadText(string path, out string text, [NotNullWhen(false)] out Finding? failure) => TryRead(path, out text, out failure);

    private static bool TryRead(string path, out string text, [NotNullWhen(false)] out Finding? failure)
    {
        text = string.Empty;
        try
        {
            return TryDecode(File.ReadAllBytes(path), path, out text, out failure);
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
