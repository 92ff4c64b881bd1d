// Two namespaces that use each other, on purpose: NamespaceGraphTests proves the graph finds such a loop.
namespace DurableAgentOps.ArchitectureTests.Fixtures.Upper
{
    internal static class UsesLower
    {
        public static int Value => Lower.UsesUpper.Base() + 1;
    }
}

namespace DurableAgentOps.ArchitectureTests.Fixtures.Lower
{
    internal static class UsesUpper
    {
        public static int Base() => 1;

        public static int Twice() => Upper.UsesLower.Value * 2;
    }
}
