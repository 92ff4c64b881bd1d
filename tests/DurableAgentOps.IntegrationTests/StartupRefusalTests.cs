using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Both hosts refuse a missing or bad sign-in, approval, evidence, mail or storage setting as they start, the same way:
/// exit code 2, one line naming the setting, no stack trace, no secret quoted. The Functions app is its real worker
/// process (the Functions host itself cannot run here); it validates before it reaches for the host.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class StartupRefusalTests(AzuriteFixture azurite)
{
    private const string Secret = "not-base64-secret!!";

    public static TheoryData<string, string, string?, string> BadSettings()
    {
        var data = new TheoryData<string, string, string?, string>();
        foreach (var host in new[] { "host", "functions" })
        {
            data.Add(host, "AgentOps__Auth__Authority", null, "AgentOps:Auth:Authority is required");
            data.Add(host, "AgentOps__Auth__Authority", "http://login.example.com/tenant", "AgentOps:Auth:Authority must use https unless it is on this machine");
            data.Add(host, "AgentOps__Auth__Authority", "not a url", "AgentOps:Auth:Authority must be an absolute http(s) URL");
            data.Add(host, "AgentOps__Auth__SystemKey", "short", "AgentOps:Auth:SystemKey must be at least 32 characters");
            data.Add(host, "AgentOps__Approvals__LinkSigningKey", Secret, "AgentOps:Approvals:LinkSigningKey must be base64 of at least 32 bytes");
            data.Add(host, "AgentOps__Evidence__SigningKey", null, "AgentOps:Evidence:SigningKey (an EC P-256 private key, PEM) or AgentOps:Evidence:KeyVaultKeyId is required");
            data.Add(host, "AgentOps__Evidence__VaultKey", Secret, "AgentOps:Evidence:VaultKey must be base64 of exactly 32 bytes");
            data.Add(host, "AgentOps__Email__Host", "smtp.example.com", "AgentOps:Email:From is required when AgentOps:Email:Host is set");
            data.Add(host, "AzureWebJobsStorage", "garbage", "AzureWebJobsStorage is not a storage connection string");
            data.Add(host, "AzureWebJobsStorage", $"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={Secret}", "AzureWebJobsStorage is not a storage connection string");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_BadSetting_ExitsTwoNamingTheSettingWithoutQuotingSecrets(string host, string key, string? value, string expected)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        if (host == "functions")
        {
            foreach (var (name, setting) in FunctionsWorkerProcess.WorkerSettings(FreePort.Next()))
            {
                settings[name] = setting;
            }
        }

        if (value is null)
        {
            settings.Remove(key);
        }
        else
        {
            settings[key] = value;
        }

        var (exitCode, output) = host == "functions" ? await RunFunctionsAsync(settings) : await RunHostAsync(settings);

        Assert.True(exitCode == 2, $"{host} exited {exitCode}: {output}");
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Contains($"DurableAgentOps.{(host == "functions" ? "Functions" : "Host")}: cannot start:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    private static async Task<(int, string)> RunHostAsync(Dictionary<string, string?> settings)
    {
        await using var process = HostProcess.Start(settings);
        return (await process.WaitForExitAsync(TimeSpan.FromSeconds(30)), process.Output);
    }

    private static async Task<(int, string)> RunFunctionsAsync(Dictionary<string, string?> settings)
    {
        await using var process = FunctionsWorkerProcess.Start(settings);
        return (await process.WaitForExitAsync(TimeSpan.FromSeconds(30)), process.Output);
    }
}
