using System.Diagnostics;

namespace DurableAgentOps.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>Runs the CLI in-process (fast) or as the built `agentops` executable in a working directory (as users do).</summary>
internal static class CliRunner
{
    public static string ShippedWorkflows => Path.Combine(AppContext.BaseDirectory, "workflows");

    public static CliResult InProcess(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = CliApp.Run(args, output, error);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static CliResult Executable(string workingDirectory, params string[] args) => Executable(workingDirectory, new Dictionary<string, string?>(), args);

    /// <summary>The built executable with extra environment variables (a null value removes one).</summary>
    public static CliResult Executable(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args) =>
        Run(Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "agentops.exe" : "agentops"), workingDirectory, environment, args);

    public static CliResult Run(string program, string workingDirectory, params string[] args) =>
        Run(program, workingDirectory, new Dictionary<string, string?>(), args);

    public static CliResult Run(string program, string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), $"{program} {string.Join(' ', args)} did not finish");
        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>A scratch folder holding a copy of the shipped workflows/ (deleted on dispose).</summary>
    public static TempRepository CopyOfWorkflows()
    {
        var root = Directory.CreateTempSubdirectory("agentops-cli-").FullName;
        var workflows = Directory.CreateDirectory(Path.Combine(root, "workflows")).FullName;
        foreach (var file in Directory.EnumerateFiles(ShippedWorkflows, "*.yaml", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(workflows, Path.GetRelativePath(ShippedWorkflows, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        return new TempRepository(root);
    }
}

internal sealed class TempRepository(string root) : IDisposable
{
    public string Root { get; } = root;

    public string PathOf(string relative) => Path.Combine(Root, relative);

    public void Edit(string relative, string from, string to)
    {
        var path = PathOf(relative);
        var text = File.ReadAllText(path);
        Assert.Contains(from, text, StringComparison.Ordinal);
        File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
    }

    public void Git(params string[] args)
    {
        var result = CliRunner.Run("git", Root, ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "-c", "commit.gpgsign=false", .. args]);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', args)}: {result.Error}");
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
