namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>Finds files of the repository the tests run in.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Copies the shipped identity catalogue and its system declarations into <paramref name="folder"/>: the base a test's own workflows need.</summary>
    public static void CopyCatalogue(string folder)
    {
        var shipped = Path.Combine(Root, "workflows");
        File.Copy(Path.Combine(shipped, "identities.yaml"), Path.Combine(folder, "identities.yaml"), overwrite: true);
        var systems = Directory.CreateDirectory(Path.Combine(folder, "systems")).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(shipped, "systems")))
        {
            File.Copy(file, Path.Combine(systems, Path.GetFileName(file)), overwrite: true);
        }
    }

    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    public static string DevServicesDll => Path.Combine(Root, "src", "DurableAgentOps.DevServices", "bin", Configuration, "net10.0", "DurableAgentOps.DevServices.dll");

    public static string CliDll => Path.Combine(Root, "src", "DurableAgentOps.Cli", "bin", Configuration, "net10.0", "agentops.dll");

    public static string HostDll => Path.Combine(Root, "src", "DurableAgentOps.Host", "bin", Configuration, "net10.0", "DurableAgentOps.Host.dll");

    public static string FunctionsDll => Path.Combine(Root, "src", "DurableAgentOps.Functions", "bin", Configuration, "net10.0", "DurableAgentOps.Functions.dll");

    /// <summary>The product's host plus test-only additions (tests/DurableAgentOps.TestHost): never the product's own path.</summary>
    public static string TestHostDll => Path.Combine(Root, "tests", "DurableAgentOps.TestHost", "bin", Configuration, "net10.0", "DurableAgentOps.TestHost.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DurableAgentOps.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find DurableAgentOps.sln above " + AppContext.BaseDirectory);
    }
}
