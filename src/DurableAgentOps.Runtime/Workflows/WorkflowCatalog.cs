using DurableAgentOps.Core.Loading;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>Where the workflow files live.</summary>
public sealed class WorkflowFilesOptions
{
    public const string Section = "AgentOps:Workflows";

    /// <summary>Folder with the workflow files and identities.yaml; default: the first <c>workflows/</c> walking up from the working directory.</summary>
    public string? Path { get; set; }
}

/// <summary>
/// Loads a workflow by name for a run. A file with any validation error is refused: a run only starts from a
/// definition that `agentops validate` passes.
/// </summary>
public sealed class WorkflowCatalog(IOptions<WorkflowFilesOptions> options)
{
    private readonly Lazy<string> folder = new(() => options.Value.Path is { Length: > 0 } path ? System.IO.Path.GetFullPath(path) : FindFolder());

    public string Folder => folder.Value;

    /// <summary>The loaded workflow, or null when no such file exists.</summary>
    public LoadedWorkflow? Find(string name)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return null;
        }

        var file = System.IO.Path.Combine(Folder, name + ".yaml");
        return File.Exists(file) ? WorkflowLoader.Load(file) : null;
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "workflows");
            if (File.Exists(System.IO.Path.Combine(candidate, WorkflowLoader.CatalogueFileName)))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No workflows/ folder with {WorkflowLoader.CatalogueFileName} above {Directory.GetCurrentDirectory()}; set {WorkflowFilesOptions.Section}:Path.");
    }
}
