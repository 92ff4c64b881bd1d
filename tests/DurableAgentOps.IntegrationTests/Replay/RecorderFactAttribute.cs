using Xunit.Abstractions;
using Xunit.Sdk;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// A fact that exists only when AGENTOPS_RECORD_HISTORIES=1: otherwise its discoverer yields no test case, so a normal
/// run (even a plain <c>dotnet test</c> without the category filter) neither runs it nor lists it as skipped.
/// </summary>
[XunitTestCaseDiscoverer("DurableAgentOps.IntegrationTests.Replay.RecorderFactDiscoverer", "DurableAgentOps.IntegrationTests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class RecorderFactAttribute : FactAttribute;

/// <summary>Public because xunit creates it by name.</summary>
public sealed class RecorderFactDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    private readonly FactDiscoverer fact = new(diagnostics);

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        CheckedInRecordings.RecordingRequested ? fact.Discover(discoveryOptions, testMethod, factAttribute) : [];
}
