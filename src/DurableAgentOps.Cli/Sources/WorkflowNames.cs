using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Cli.Sources;

/// <summary>"Did you mean" for a workflow named on the command line: the workflow files of a folder, by file name.</summary>
internal static class WorkflowNames
{
    /// <summary>The workflow names of <paramref name="folder"/> (file names without .yaml/.yml; identities.yaml is not one).</summary>
    public static IReadOnlyList<string> In(string folder) =>
        Directory.Exists(folder)
            ? [.. Directory.EnumerateFiles(folder)
                .Where(f => WorkflowSetValidator.IsYaml(f) && !WorkflowSetValidator.IsCatalogue(f))
                .Select(Path.GetFileNameWithoutExtension)
                .OfType<string>()
                .Order(StringComparer.Ordinal)]
            : [];

    /// <summary>"; did you mean 'x'?" for a name not found among the workflows of <paramref name="folder"/>, else empty.</summary>
    public static string Hint(string name, string folder) => NearestName.Hint(name, In(folder));
}
