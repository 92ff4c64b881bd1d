using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.IntegrationTests;

/// <summary>identities.yaml client ids written as ${SETTING} come from the host's settings when a step runs.</summary>
public sealed class ClientIdResolverTests
{
    private static readonly ClientIdResolver Resolver = new(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["CRM_READER_CLIENT_ID"] = "11111111-2222-3333-4444-555555555555" })
        .Build());

    [Fact]
    public void Resolve_PlaceholderWithSetting_ReturnsTheSetting() =>
        Assert.Equal("11111111-2222-3333-4444-555555555555", Resolver.Resolve("${CRM_READER_CLIENT_ID}"));

    [Fact]
    public void Resolve_LiteralClientId_ReturnsItUnchanged() =>
        Assert.Equal("6f1c0a10-0000-4000-8000-000000000001", Resolver.Resolve("6f1c0a10-0000-4000-8000-000000000001"));

    [Fact]
    public void Resolve_PlaceholderWithoutSetting_RefusesNamingTheSetting()
    {
        var error = Assert.Throws<StepRefusedException>(() => Resolver.Resolve("${CRM_WRITER_CLIENT_ID}"));

        Assert.Contains("CRM_WRITER_CLIENT_ID", error.Message, StringComparison.Ordinal);
    }
}
