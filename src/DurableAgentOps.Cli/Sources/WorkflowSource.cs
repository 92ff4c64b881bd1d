using System.Diagnostics;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Cli.Sources;

internal sealed record SourceLoad(LoadedWorkflow? Workflow, IReadOnlyList<Finding> Findings);

/// <summary>
/// A workflow named by a path, or by git-rev:path (read with `git show`, together with the identities.yaml of the
/// same revision, so an old workflow is judged against the catalogue it shipped with).
/// </summary>
internal static class WorkflowSource
{
    public static SourceLoad Load(string spec)
    {
        if (File.Exists(spec))
        {
            var loaded = WorkflowLoader.Load(spec);
            return new SourceLoad(loaded, [.. loaded.AllFindings]);
        }

        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == spec.Length - 1)
        {
            return Failed(spec, "no such file (use a path, or git-rev:path)");
        }

        var revision = spec[..colon];
        var path = spec[(colon + 1)..];
        if (!GitShow(revision, path, out var bytes, out var error))
        {
            return Failed(spec, $"cannot read from git: {error}");
        }

        var cataloguePath = WorkflowLoader.CataloguePathFor(path);
        var catalogueName = $"{revision}:{cataloguePath}";
        var catalogue = GitShow(revision, cataloguePath, out var catalogueBytes, out var catalogueError)
            ? WithSystems(WorkflowLoader.ParseCatalogue(catalogueBytes, catalogueName), revision, SystemFiles.FolderFor(cataloguePath))
            : LoadedCatalogue.Missing(catalogueName, $"cannot read the identity catalogue from git: {catalogueError}");
        var workflow = WorkflowLoader.Parse(bytes, spec, catalogue);
        return new SourceLoad(workflow, [.. workflow.AllFindings]);
    }

    /// <summary>
    /// The system declarations of the same revision (`git show rev:folder/` lists a tree). A revision from before systems
    /// were declared has no such folder: its catalogue is then read as it was, without declarations to check against.
    /// </summary>
    private static LoadedCatalogue WithSystems(LoadedCatalogue catalogue, string revision, string folder)
    {
        if (!GitShow(revision, folder + "/", out var listing, out _))
        {
            return catalogue;
        }

        var names = System.Text.Encoding.UTF8.GetString(listing).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Skip(1) // "tree rev:folder/"
            .Where(name => name.EndsWith(".yaml", StringComparison.Ordinal) || name.EndsWith(".yml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var files = new List<(string File, byte[] Bytes)>();
        foreach (var name in names)
        {
            var path = Path.Combine(folder, name);
            if (GitShow(revision, path, out var bytes, out _))
            {
                files.Add(($"{revision}:{path}", bytes));
            }
        }

        return SystemFiles.Attach(catalogue, files);
    }

    private static SourceLoad Failed(string spec, string message) =>
        new(null, [new Finding(spec, 1, 1, Severity.Error, FindingCodes.FileUnreadable, message)]);

    /// <summary>
    /// Runs `git show rev:./path` (path relative to the current directory, as the user typed it). The bytes are kept
    /// as they are, so the loader decodes them as strictly as a file on disk.
    /// </summary>
    private static bool GitShow(string revision, string path, out byte[] bytes, out string error)
    {
        bytes = [];
        var relative = path.StartsWith("./", StringComparison.Ordinal) || path.StartsWith("../", StringComparison.Ordinal) ? path : "./" + path;
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("show");
        start.ArgumentList.Add($"{revision}:{relative}");
        try
        {
            using var process = Process.Start(start)!;
            using var buffer = new MemoryStream();
            var stdout = process.StandardOutput.BaseStream.CopyToAsync(buffer);
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                error = "git show timed out";
                return false;
            }

            stdout.GetAwaiter().GetResult();
            bytes = buffer.ToArray();
            error = stderr.GetAwaiter().GetResult().Trim();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            error = $"git is not available ({ex.Message})";
            return false;
        }
    }
}
