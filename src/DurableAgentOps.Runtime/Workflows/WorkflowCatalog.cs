using DurableAgentOps.Core.Loading;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>Where the workflow files live.</summary>
public sealed class WorkflowFilesOptions
{
    public const string Section = "AgentOps:Workflows";

    /// <summary>Folder with the workflow files and identities.yaml; default: the first <c>workflows/</c> walking up from the working directory, then from the app's folder.</summary>
    public string? Path { get; set; }
}

/// <summary>
/// Loads a workflow by the name it declares for a run (read afresh each time, so a redeployed file counts at once). A
/// file with any validation error is refused: a run only starts from a definition that `agentops validate` passes.
/// </summary>
public sealed class WorkflowCatalog(IOptions<WorkflowFilesOptions> options)
{
    private readonly Lazy<string> folder = new(() => options.Value.Path is { Length: > 0 } path ? System.IO.Path.GetFullPath(path) : FindFolder());

    public string Folder => folder.Value;

    /// <summary>The workflow that declares this name, or null when none does (or when two files declare it: ambiguous).</summary>
    public LoadedWorkflow? Find(string name)
    {
        if (name.Length is 0 or > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
        {
            return null;
        }

        return WorkflowFolder.Load(Folder).Find(name);
    }

    private static string FindFolder() => AppFiles.Find(AppFiles.CataloguePath) is { } catalogue
        ? System.IO.Path.GetDirectoryName(catalogue)!
        : throw new DirectoryNotFoundException(
            $"No {AppFiles.CataloguePath} above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; set {WorkflowFilesOptions.Section}:Path.");
}
