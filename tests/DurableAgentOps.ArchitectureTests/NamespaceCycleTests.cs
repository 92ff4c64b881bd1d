namespace DurableAgentOps.ArchitectureTests;

/// <summary>
/// A newcomer reads a project down its namespaces, never round in a circle: no two namespaces of one assembly may
/// use each other, directly or through others. Read from the compiled assemblies, so a type named in full without a
/// <c>using</c> line counts as well.
/// </summary>
public sealed class NamespaceCycleTests
{
    [Theory]
    [MemberData(nameof(Projects))]
    public void Namespaces_ProductAssembly_HaveNoCycle(string project)
    {
        using var module = ProductAssemblies.Read(project);
        var graph = NamespaceGraph.Of(module);

        var cycles = graph.Cycles();

        Assert.True(graph.Namespaces.Count > 0, $"{project}: no product namespace was read from {ProductAssemblies.PathOf(project)}");
        Assert.True(cycles.Count == 0, $"{project} has namespaces that use each other:\n" + string.Join("\n---\n", cycles.Select(c => string.Join("\n", c))));
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Namespaces_ProductSourceUsingLines_HaveNoCycle(string project)
    {
        var graph = NamespaceGraph.OfSources(Path.Combine(ProductAssemblies.Root, "src", project));

        var cycles = graph.Cycles();

        Assert.True(graph.Namespaces.Count > 0, $"{project}: no product namespace was read from its sources");
        Assert.True(cycles.Count == 0, $"{project} has namespaces whose files use each other:\n" + string.Join("\n---\n", cycles.Select(c => string.Join("\n", c))));
    }

    public static TheoryData<string> Projects() => ProductAssemblies.Names();
}
