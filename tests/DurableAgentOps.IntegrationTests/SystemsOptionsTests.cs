using DurableAgentOps.Runtime.Identity;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.IntegrationTests;

/// <summary>Per-system settings bound from configuration as the hosts bind them; what an entry leaves out is defaulted.</summary>
public sealed class SystemsOptionsTests
{
    [Fact]
    public void For_EntryWithBaseUrlOnly_ResourceFromPrefix()
    {
        var systems = Bind(("Endpoints:crm:BaseUrl", "https://crm.contoso.example/"), ("ResourcePrefix", "api://contoso/"));

        Assert.Equal(new SystemAddress(new Uri("https://crm.contoso.example/"), "api://contoso/crm"), systems.For("crm"));
    }

    [Fact]
    public void For_EntryWithResourceOnly_BaseUrlFromDefault()
    {
        var systems = Bind(("Endpoints:crm:Resource", "api://crm-prod"), ("DefaultBaseUrl", "https://systems.contoso.example/"));

        Assert.Equal(new SystemAddress(new Uri("https://systems.contoso.example/"), "api://crm-prod"), systems.For("crm"));
    }

    [Fact]
    public void For_UnlistedSystem_BothDefaults()
    {
        var systems = Bind(("Endpoints:crm:Resource", "api://crm-prod"));

        Assert.Equal(new SystemAddress(new Uri("http://127.0.0.1:7080"), "api://durableagentops/finance"), systems.For("finance"));
    }

    private static SystemsOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create<string, string?>(SystemsOptions.Section + ":" + s.Key, s.Value)))
            .Build();
        var options = new SystemsOptions();
        configuration.GetSection(SystemsOptions.Section).Bind(options);
        return options;
    }
}
