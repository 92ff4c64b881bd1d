using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Validation;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Loading;

/// <summary>
/// Reads the <c>systems/</c> folder beside identities.yaml: one file per business system, bound and checked against
/// the catalogue. A missing folder declares no system, so every business operation a workflow names is then an error.
/// </summary>
public static class SystemFiles
{
    public const string FolderName = "systems";

    /// <summary>The folder of system declarations for the catalogue at <paramref name="cataloguePath"/>.</summary>
    public static string FolderFor(string cataloguePath) => Path.Combine(Path.GetDirectoryName(cataloguePath) ?? string.Empty, FolderName);

    /// <summary>True for a file inside a catalogue's systems folder (it is a declaration, not a workflow).</summary>
    public static bool IsDeclaration(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        return folder is not null && Path.GetFileName(folder) == FolderName &&
            File.Exists(Path.Combine(Path.GetDirectoryName(folder) ?? string.Empty, WorkflowLoader.CatalogueFileName));
    }

    /// <summary>The catalogue with the declarations of <paramref name="folder"/> and their findings.</summary>
    internal static LoadedCatalogue Attach(LoadedCatalogue loaded, string folder)
    {
        IEnumerable<string> files = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder).Where(WorkflowSetValidator.IsYaml).Order(StringComparer.Ordinal)
            : [];
        return Attach(loaded, files.Select(file => WorkflowLoader.TryReadText(file, out var text, out var failure)
            ? (file, text, (Finding?)null)
            : (file, string.Empty, failure)));
    }

    /// <summary>
    /// The catalogue with the declarations read elsewhere (e.g. from a git revision), each as (name, bytes), and their
    /// findings; the loader's findings sorted.
    /// </summary>
    public static LoadedCatalogue Attach(LoadedCatalogue loaded, IEnumerable<(string File, byte[] Bytes)> files)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(files);
        var attached = Attach(loaded, files.Select(f => WorkflowLoader.TryDecode(f.Bytes, f.File, out var text, out var failure)
            ? (f.File, text, (Finding?)null)
            : (f.File, string.Empty, failure)));
        return attached with { Findings = [.. attached.Findings.OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Line).ThenBy(f => f.Column)] };
    }

    private static LoadedCatalogue Attach(LoadedCatalogue loaded, IEnumerable<(string File, string Text, Finding? Failure)> files)
    {
        // Declarations are judged against the catalogue: without a readable one there is nothing to judge them by.
        if (!loaded.Exists || loaded.Findings.Any(f => f.Code is FindingCodes.FileUnreadable or FindingCodes.YamlSyntax))
        {
            return loaded with { Catalogue = loaded.Catalogue with { Declarations = [] } };
        }

        var findings = new List<Finding>();
        var declarations = new List<SystemDeclaration>();
        foreach (var (file, text, failure) in files)
        {
            if (failure is not null)
            {
                findings.Add(failure);
                continue;
            }

            var map = new SourceMap(file);
            var fileFindings = new List<Finding>();
            var root = YamlTreeParser.Parse(text, file, fileFindings);
            if (!fileFindings.Any(f => f.Code == FindingCodes.YamlSyntax) && SystemBinder.Bind(root, new Binder(map, fileFindings)) is { } declaration)
            {
                fileFindings.AddRange(SystemDeclarationValidator.Validate(declaration, loaded.Catalogue, declarations, map));
                declarations.Add(declaration);
            }

            findings.AddRange(fileFindings);
        }

        return loaded with
        {
            Catalogue = loaded.Catalogue with { Declarations = declarations },
            Findings = [.. loaded.Findings.Concat(findings)],
        };
    }
}
