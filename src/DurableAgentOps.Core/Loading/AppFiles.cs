namespace DurableAgentOps.Core.Loading;

/// <summary>
/// Finds a file an app ships with: walking up from the working directory (a checkout), then up from the app's own
/// folder (a deployment, where the working directory can be anywhere).
/// </summary>
public static class AppFiles
{
    /// <summary>The identity catalogue's path below a repository or app root; its folder holds the workflow files.</summary>
    public static readonly string CataloguePath = Path.Combine("workflows", WorkflowLoader.CatalogueFileName);

    /// <summary>Full path of the first <paramref name="relativePath"/> found, or null.</summary>
    public static string? Find(string relativePath) =>
        FindAbove(Directory.GetCurrentDirectory(), relativePath) ?? FindAbove(AppContext.BaseDirectory, relativePath);

    private static string? FindAbove(string start, string relativePath)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
