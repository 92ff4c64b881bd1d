using System.Text.Json;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.Output;

namespace DurableAgentOps.Cli.Tests;

/// <summary>A step's line in agentops run: whose authority it ran under, as its record says.</summary>
public sealed class RunProgressWriterTests
{
    private static readonly JsonElement Read = JsonDocument.Parse("\"read\"").RootElement;

    [Fact]
    public void StepLine_ServiceIdentity_NamesTheIdentityAndItsClientId()
    {
        var line = RunProgressWriter.StepLine(new StepDto("read-account", Read, "reader", "client-1", ["sys.records.read"], ["R-1"], 12, "succeeded"));

        Assert.Equal("  ✓ read-account (read) as reader [client-1]: succeeded; touched R-1", line);
    }

    [Fact]
    public void StepLine_DelegatedStep_NamesThePersonTheIdentityAndTheActingApp()
    {
        var acted = new ActedForDto("tenant/person-1", "Pat Person", "app-9");

        var line = RunProgressWriter.StepLine(new StepDto("read-mine", Read, "person-reader", "app-9", ["sys.records.read"], ["R-2"], 12, "succeeded", acted));

        Assert.Equal("  ✓ read-mine (read) as Pat Person (tenant/person-1) through person-reader [app-9]: succeeded; touched R-2", line);
    }
}
