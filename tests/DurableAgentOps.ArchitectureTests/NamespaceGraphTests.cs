using Mono.Cecil;

namespace DurableAgentOps.ArchitectureTests;

/// <summary>The graph the cycle test relies on finds a loop where there is one (this assembly holds one on purpose).</summary>
public sealed class NamespaceGraphTests
{
    [Fact]
    public void Cycles_TwoNamespacesUsingEachOther_AreReportedWithTheTypesThatUseEachOther()
    {
        using var module = ModuleDefinition.ReadModule(typeof(NamespaceGraphTests).Assembly.Location);

        var cycle = Assert.Single(NamespaceGraph.Of(module).Cycles());

        Assert.Contains(cycle, line => line.StartsWith("DurableAgentOps.ArchitectureTests.Fixtures.Lower -> DurableAgentOps.ArchitectureTests.Fixtures.Upper", StringComparison.Ordinal));
        Assert.Contains(cycle, line => line.StartsWith("DurableAgentOps.ArchitectureTests.Fixtures.Upper -> DurableAgentOps.ArchitectureTests.Fixtures.Lower", StringComparison.Ordinal));
    }
}
