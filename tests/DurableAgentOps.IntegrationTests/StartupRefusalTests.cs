using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// Both hosts refuse a missing or bad sign-in, approval, evidence, mail or storage setting as they start, the same way:
/// exit code 2, one line naming the setting, no stack trace, no secret quoted; so they refuse a governance switch (the
/// scope guard, evidence) turned off anywhere but Development. The Functions app is its real worker process (the
/// Functions host itself cannot run here); it validates before it reaches for the host.
/// </summary>
[Collection(AzuriteFaultsCollection.Name)]
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
            data.Add(host, "AgentOps__Evidence__AnchorContainerUrl", $"https://anchors.blob.core.windows.net/anchors?sig={Uri.EscapeDataString(Secret)}",
                "AgentOps:Evidence:AnchorContainerUrl must not carry a query or fragment (a SAS token is a secret; the host writes with its identity)");
            data.Add(host, "AgentOps__Evidence__AnchorContainerUrl", "http://anchors.blob.core.windows.net/anchors",
                "AgentOps:Evidence:AnchorContainerUrl must be an https URL of a blob container");
            data.Add(host, "AgentOps__Email__Host", "smtp.example.com", "AgentOps:Email:From is required when AgentOps:Email:Host is set");
            data.Add(host, "AzureWebJobsStorage", "garbage", "AzureWebJobsStorage is not a storage connection string");
            data.Add(host, "AzureWebJobsStorage", $"DefaultEndpointsProtocol=https;AccountName=x;AccountKey={Secret}", "AzureWebJobsStorage is not a storage connection string");
            data.Add(host, "AgentOps__ScopeGuardEnabled", "false",
                "AgentOps:ScopeGuardEnabled=false is refused: the scope guard may be off only on a Development host, and this host's environment is Production");
            data.Add(host, "AgentOps__Evidence__Enabled", "false",
                "AgentOps:Evidence:Enabled=false is refused: evidence may be off only on a Development host, and this host's environment is Production");
            data.Add(host, "OTEL_EXPORTER_OTLP_ENDPOINT", "not a url", "OTEL_EXPORTER_OTLP_ENDPOINT must be an absolute http or https URL with no query");
            data.Add(host, "APPLICATIONINSIGHTS_CONNECTION_STRING", Secret, "APPLICATIONINSIGHTS_CONNECTION_STRING must be an Application Insights connection string");
        }

        return data;
    }

    /// <summary>Governance switches off on hosts whose environment is set, but not to Development.</summary>
    public static TheoryData<string, string, string> SwitchesOutsideDevelopment()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var host in new[] { "host", "functions" })
        {
            data.Add(host, "AgentOps__ScopeGuardEnabled", "Staging");
            data.Add(host, "AgentOps__Evidence__Enabled", "Production");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task Start_BadSetting_ExitsTwoNamingTheSettingWithoutQuotingSecrets(string host, string key, string? value, string expected)
    {
        var settings = Settings(host, environment: null);
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

    [Theory]
    [MemberData(nameof(SwitchesOutsideDevelopment))]
    public async Task Start_GovernanceSwitchOffOutsideDevelopment_ExitsTwoNamingTheSettingAndTheEnvironment(string host, string key, string environment)
    {
        var settings = Settings(host, environment);
        settings[key] = "false";

        var (exitCode, output) = host == "functions" ? await RunFunctionsAsync(settings) : await RunHostAsync(settings);

        Assert.True(exitCode == 2, $"{host} exited {exitCode}: {output}");
        var line = Assert.Single(output.Split('\n'), l => l.Contains("cannot start:", StringComparison.Ordinal));
        Assert.Contains($"{key.Replace("__", ":", StringComparison.Ordinal)}=false is refused", line, StringComparison.Ordinal);
        Assert.Contains($"only on a Development host, and this host's environment is {environment}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("host")]
    [InlineData("functions")]
    public async Task Start_GovernanceSwitchesOffInDevelopment_StartsAndSaysSoAtApiHost(string host)
    {
        var settings = Settings(host, "Development");
        settings["AgentOps__ScopeGuardEnabled"] = "false";
        settings["AgentOps__Evidence__Enabled"] = "false";

        if (host == "host")
        {
            await using var process = await HostProcess.StartHealthyAsync(settings);
            var answer = await process.GetJsonAsync<System.Text.Json.JsonElement>("/api/host");
            Assert.Equal("Development", answer.GetProperty("environment").GetString());
            Assert.False(answer.GetProperty("scopeGuard").GetBoolean());
            Assert.False(answer.GetProperty("evidence").GetBoolean());
            Assert.Equal(["scope-guard", "evidence"], answer.GetProperty("governanceOff").EnumerateArray().Select(e => e.GetString()));
            return;
        }

        // The worker validates its settings as it starts, then connects to its Functions host: reaching that (no host
        // runs here, so it fails there) is getting past the settings.
        await using var worker = FunctionsWorkerProcess.Start(settings);
        var exitCode = await worker.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.NotEqual(2, exitCode);
        Assert.DoesNotContain("cannot start:", worker.Output, StringComparison.Ordinal);
        Assert.Contains("WorkerHostedService.StartAsync", worker.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A host's valid settings, with its environment set explicitly (null: Production, as deployed), whatever the
    /// environment the tests run in says.
    /// </summary>
    private Dictionary<string, string?> Settings(string host, string? environment)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        if (host == "functions")
        {
            foreach (var (name, setting) in FunctionsWorkerProcess.WorkerSettings(FreePort.Next()))
            {
                settings[name] = setting;
            }
        }

        foreach (var variable in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "AZURE_FUNCTIONS_ENVIRONMENT" })
        {
            settings[variable] = environment ?? "Production";
        }

        return settings;
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
