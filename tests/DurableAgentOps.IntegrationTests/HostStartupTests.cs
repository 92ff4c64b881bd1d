using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>The host process refuses bad settings and unreachable storage with a clear message, and reports health.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostStartupTests(AzuriteFixture azurite)
{
    private const string Setting = "AzureFunctionsJobHost__extensions__durableTask__";

    // The host gives up after two 3.5 s probes; the storage SDK's own retries would keep a naive start-up going for
    // minutes. The bound is loose so a busy CI machine cannot fail it: the test is about not hanging, not speed.
    private static readonly TimeSpan StorageGiveUp = TimeSpan.FromSeconds(45);

    [Theory]
    [InlineData("storageProvider__partitionCount", "0", "storageProvider.partitionCount", "1 to 16")]
    [InlineData("storageProvider__partitionCount", "17", "storageProvider.partitionCount", "1 to 16")]
    [InlineData("hubName", "my-hub", "hubName", "3 to 45 letters and digits")]
    [InlineData("hubName", "ab", "hubName", "3 to 45 letters and digits")]
    [InlineData("storageProvider__type", "mssql", "storageProvider.type", "'AzureStorage'")]
    [InlineData("storageProvider__maxQueuePollingInterval", "-00:00:01", "storageProvider.maxQueuePollingInterval", "00:00:00.050 or more")]
    [InlineData("maxConcurrentActivityFunctions", "-3", "maxConcurrentActivityFunctions", "1 or more")]
    public async Task Start_InvalidSetting_ExitsNamingSettingAndAllowedValues(string key, string value, string named, string allowed)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        settings[Setting + key] = value;
        await using var host = HostProcess.Start(settings);

        var exitCode = await host.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(2, exitCode);
        Assert.Contains($"host.json extensions.durableTask.{named}", host.Output, StringComparison.Ordinal);
        Assert.Contains(allowed, host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_StorageRefusesConnections_ExitsInsteadOfHangingNamingEndpoint()
    {
        await AssertStartGivesUpOnStorageAsync(FreePort.Next());
    }

    [Fact]
    public async Task Start_StorageAcceptsButNeverAnswers_ExitsInsteadOfHangingNamingEndpoint()
    {
        // A listener that accepts connections and never answers: the case that hangs a naive start-up.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        await AssertStartGivesUpOnStorageAsync(((IPEndPoint)silent.LocalEndpoint).Port);
    }

    [Fact]
    public async Task Start_HostJsonNamesAnotherConnection_TheHubAndTheStoresUseIt()
    {
        // host.json's storageProvider.connectionName picks the task hub's account, as on Functions; the product's stores
        // (here the evidence log) live beside the hub. AzureWebJobsStorage points nowhere, so using it would fail.
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        settings[Setting + "storageProvider__connectionName"] = "HubStorage";
        settings["HubStorage"] = azurite.ConnectionString;
        settings["AzureWebJobsStorage"] = UnreachableConnection(FreePort.Next());
        await using var host = await HostProcess.StartHealthyAsync(settings);

        using var log = await host.Http.GetAsync("/api/evidence/log");

        Assert.True(log.StatusCode == HttpStatusCode.OK, $"{(int)log.StatusCode}: {await log.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task Healthz_RunningHost_ReportsWorkerRunningAndStorageReachable()
    {
        var hub = EngineHost.NewHubName();
        await using var host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, hub));

        var health = await host.GetJsonAsync<JsonElement>("/healthz");

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("running", health.GetProperty("worker").GetString());
        Assert.Equal("reachable", health.GetProperty("storage").GetString());
        Assert.Equal(hub, health.GetProperty("hub").GetString());
    }

    [Fact]
    public async Task InstanceApi_BodyOfWrongTypeOrBadJson_415Or400NeverA500()
    {
        await using var host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, EngineHost.NewHubName()));

        using var form = await host.Http.PostAsync("/runtime/webhooks/durabletask/instances/x1/raiseEvent/ping", new StringContent("subject=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"));
        using var broken = await host.Http.PostAsync("/runtime/webhooks/durabletask/instances/x1/raiseEvent/ping", new StringContent("{oops", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("not valid JSON", await broken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>A host whose storage is on <paramref name="port"/> exits with code 3 naming that endpoint.</summary>
    private async Task AssertStartGivesUpOnStorageAsync(int port)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName());
        settings["AzureWebJobsStorage"] = UnreachableConnection(port);
        await using var host = HostProcess.Start(settings);

        var exitCode = await host.WaitForExitAsync(StorageGiveUp);

        Assert.Equal(3, exitCode);
        Assert.Contains($"Storage is unreachable at http://127.0.0.1:{port}/devstoreaccount1", host.Output, StringComparison.Ordinal);
    }

    private static string UnreachableConnection(int port) =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{port}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";
}
