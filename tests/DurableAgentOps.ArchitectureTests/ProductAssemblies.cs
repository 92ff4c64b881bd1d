using Mono.Cecil;

namespace DurableAgentOps.ArchitectureTests;

/// <summary>The product's compiled assemblies, as the build left them (read with Cecil, never loaded).</summary>
internal static class ProductAssemblies
{
    public static string Root { get; } = FindRoot();

    public static string Configuration =>
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>Project folder name and assembly file name of every product project.</summary>
    public static IReadOnlyList<(string Project, string Assembly)> All { get; } =
    [
        ("DurableAgentOps.Core", "DurableAgentOps.Core.dll"),
        ("DurableAgentOps.Runtime", "DurableAgentOps.Runtime.dll"),
        ("DurableAgentOps.Api", "DurableAgentOps.Api.dll"),
        ("DurableAgentOps.Host", "DurableAgentOps.Host.dll"),
        ("DurableAgentOps.Functions", "DurableAgentOps.Functions.dll"),
        ("DurableAgentOps.Cli", "agentops.dll"),
        ("DurableAgentOps.DevServices", "DurableAgentOps.DevServices.dll"),
    ];

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var (project, _) in All)
        {
            data.Add(project);
        }

        return data;
    }

    public static string PathOf(string project) =>
        Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", All.Single(a => a.Project == project).Assembly);

    public static ModuleDefinition Read(string project)
    {
        // Attribute arguments of enum types (a LoggerMessage's LogLevel) are read through the assemblies defining them:
        // the product's own folder and the shared frameworks next to the one this test runs on.
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Path.GetDirectoryName(PathOf(project))!);
        var netCore = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        resolver.AddSearchDirectory(netCore);
        var shared = Path.GetDirectoryName(Path.GetDirectoryName(netCore))!;
        foreach (var framework in Directory.GetDirectories(Path.Combine(shared, "Microsoft.AspNetCore.App")).Order(StringComparer.Ordinal).TakeLast(1))
        {
            resolver.AddSearchDirectory(framework);
        }

        return ModuleDefinition.ReadModule(PathOf(project), new ReaderParameters { ReadSymbols = false, AssemblyResolver = resolver });
    }

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
