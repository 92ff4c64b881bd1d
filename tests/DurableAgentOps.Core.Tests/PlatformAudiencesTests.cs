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
    [InlineData("00000003-0000-0000-c000-000000000000", true)]
    [InlineData("https://cognitiveservices.azure.com", true)]
    [InlineData("https://vault.usgovcloudapi.net", true)]
    [InlineData("https://contoso.azconfig.io", true)]
    [InlineData("6f1c0a10-0000-4000-8000-0000000000c1", false)]
    [InlineData("https://ledger.azurewebsites.net", false)]
    [InlineData("https://contoso.azure-api.net", false)]
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
