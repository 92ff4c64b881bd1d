using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

public sealed class PlatformAudiencesTests
{
    [Theory]
    [InlineData("https://vault.azure.net", true)]
    [InlineData("https://MyVault.Vault.Azure.Net/", true)]
    [InlineData("https://management.azure.com/", true)]
    [InlineData("https://graph.microsoft.com", true)]
    [InlineData("https://contoso.blob.core.windows.net", true)]
    [InlineData("https://storage.azure.com.", true)]
    [InlineData("https://vault.azure.net.evil.example", false)]
    [InlineData("https://contoso.crm4.dynamics.com", false)]
    [InlineData("api://contoso-crm", false)]
    [InlineData("api://vault.azure.net", false)]
    [InlineData("not a uri", false)]
    public void IsPlatform_Audience_IsTrueOnlyForThePlatformsOwnHosts(string resource, bool expected)
    {
        Assert.Equal(expected, PlatformAudiences.IsPlatform(resource));
    }
}
