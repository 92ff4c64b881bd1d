using DurableAgentOps.Core.Diagnostics;

namespace DurableAgentOps.Core.Loading;

/// <summary>
/// Every workflow of one folder, loaded once against the folder's identities.yaml, and found by the <c>name</c> its
/// file declares (not its file name). Two files that declare one name are ambiguous: <see cref="Find"/> finds neither,
/// and <see cref="Duplicates"/> says which files they are (DAO059).
/// </summary>
public sealed class WorkflowFolder
{
    private readonly Dictionary<string, List<LoadedWorkflow>> _byName;

    private WorkflowFolder(string path, LoadedCatalogue catalogue, IReadOnlyList<LoadedWorkflow> workflows)
    {
        Path = path;
        Catalogue = catalogue;
        Workflows = workflows;
        _byName = workflows.Where(w => w.Definition is { Name.Length: > 0 })
            .GroupBy(w => w.Definition!.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        Duplicates = FindDuplicateNames(workflows);
    }

    public string Path { get; }

    public LoadedCatalogue Catalogue { get; }

    /// <summary>Every workflow file of the folder (*.yaml, *.yml but identities.yaml), in ordinal file-name order.</summary>
    public IReadOnlyList<LoadedWorkflow> Workflows { get; }

    /// <summary>One DAO059 error per file whose name an earlier file of the folder already declares.</summary>
    public IReadOnlyList<Finding> Duplicates { get; }

    /// <summary>Loads the folder; a missing folder is an empty one (its catalogue reports DAO054).</summary>
    public static WorkflowFolder Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var catalogue = WorkflowLoader.LoadCatalogue(System.IO.Path.Combine(path, WorkflowLoader.CatalogueFileName));
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => WorkflowSetValidator.IsYaml(f) && !WorkflowSetValidator.IsCatalogue(f)).Order(StringComparer.Ordinal)
            : [];
        return new WorkflowFolder(path, catalogue, [.. files.Select(f => WorkflowLoader.Load(f, catalogue))]);
    }

    /// <summary>The workflow that declares <paramref name="name"/>; null when none does, or when more than one does.</summary>
    public LoadedWorkflow? Find(string name) =>
        _byName.TryGetValue(name, out var found) && found.Count == 1 ? found[0] : null;

    /// <summary>Workflows in file order: each one whose name an earlier one declares gets an error on its name line.</summary>
    internal static List<Finding> FindDuplicateNames(IEnumerable<LoadedWorkflow> workflows)
    {
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        var findings = new List<Finding>();
        foreach (var workflow in workflows.Where(w => w.Definition is { Name.Length: > 0 }))
        {
            var name = workflow.Definition!.Name;
            if (!first.TryAdd(name, workflow.File))
            {
                findings.Add(workflow.Map.Error("/name", FindingCodes.DuplicateWorkflowName, $"workflow name '{name}' is already declared by {first[name]}; a folder's workflows are found by name, so each needs its own"));
            }
        }

        return findings;
    }
}
