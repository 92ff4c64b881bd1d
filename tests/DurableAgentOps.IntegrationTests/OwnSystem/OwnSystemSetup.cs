using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests.OwnSystem;

/// <summary>What the tests of a system of one's own share: editing the copied catalogue, and a host that calls the system.</summary>
internal static class OwnSystemSetup
{
    /// <summary><paramref name="text"/> with <paramref name="block"/> right after the first <paramref name="after"/> (which must be there).</summary>
    public static string Insert(string text, string after, string block)
    {
        var at = text.IndexOf(after, StringComparison.Ordinal);
        Assert.True(at >= 0, $"'{after.Trim()}' not found");
        return text.Insert(at + after.Length, block);
    }

    /// <summary>A host running the workflows of <paramref name="workflows"/>, with <paramref name="system"/> at <paramref name="baseUrl"/>.</summary>
    public static Task<HostProcess> StartHostAsync(AzuriteFixture azurite, DevServicesProcess dev, string workflows, string system, string baseUrl)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        settings["AgentOps__Workflows__Path"] = workflows;
        settings[$"AgentOps__Systems__Endpoints__{system}__BaseUrl"] = baseUrl;
        return HostProcess.StartHealthyAsync(settings);
    }
}
