using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// The Runtime's own composition decides whether a governance switch may be off: only on a host whose environment is
/// Development, and never when no environment is known (a composition without <see cref="IHostEnvironment"/>).
/// </summary>
public sealed class GovernanceSwitchTests
{
    public static TheoryData<string, string> Switches() => new()
    {
        { GovernanceSwitches.ScopeGuardSetting, GovernanceSwitches.ScopeGuard },
        { GovernanceSwitches.EvidenceSetting, GovernanceSwitches.Evidence },
    };

    [Theory]
    [InlineData(GovernanceSwitches.ScopeGuardSetting)]
    [InlineData(GovernanceSwitches.EvidenceSetting)]
    public void HostGovernance_SwitchOffWithNoHostEnvironment_IsRefused(string setting)
    {
        using var services = Compose(setting, environment: null);

        var refused = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<HostGovernance>());

        Assert.Contains($"{setting}=false is refused", refused.Message, StringComparison.Ordinal);
        Assert.Contains("this host's environment is (unknown)", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Switches))]
    public void HostGovernance_SwitchOffInDevelopment_IsAcceptedAndNamed(string setting, string name)
    {
        using var services = Compose(setting, Environments.Development);

        var governance = services.GetRequiredService<HostGovernance>();

        Assert.Equal([name], governance.GovernanceOff);
        Assert.True(governance.Development);
        Assert.Equal("Development", governance.Environment);
    }

    [Fact]
    public void HostGovernance_EverythingOnInProduction_IsEnforcedAndNamesNothing()
    {
        using var services = Compose(setting: null, Environments.Production);

        var governance = services.GetRequiredService<HostGovernance>();

        Assert.Equal(new HostGovernance("Production", false, "local", true, true), governance);
        Assert.Empty(governance.GovernanceOff);
    }

    private static ServiceProvider Compose(string? setting, string? environment)
    {
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AgentOps:Evidence:SigningKey"] = PemEvidenceSigner.NewPrivateKeyPem(),
        };
        if (setting is not null)
        {
            settings[setting] = "false";
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging();
        if (environment is not null)
        {
            services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        }

        services.AddAgentOpsRuntime(configuration);
        return services.BuildServiceProvider();
    }
}
