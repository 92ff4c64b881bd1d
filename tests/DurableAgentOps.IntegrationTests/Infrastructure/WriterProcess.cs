namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// The writer of separate-writer workflows: the product's host started with <c>Host__Role=writer</c>, holding only the
/// writer identities (its own IDENTITY_HEADER at DevServices), over the same storage and task hub prefix as the main host.
/// </summary>
internal sealed class WriterProcess : ServiceProcess
{
    /// <summary>The key test hosts and writers sign and verify write intents with.</summary>
    public static readonly string IntentKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private WriterProcess(int port, IDictionary<string, string?> environment)
        : base(RepoPaths.HostDll, port, environment)
    {
    }

    /// <summary>Starts a writer beside the main host whose settings are <paramref name="hostSettings"/>, and points that host at it.</summary>
    public static async Task<WriterProcess> StartAsync(Dictionary<string, string?> hostSettings, DevServicesProcess dev, IDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(hostSettings);
        var settings = new Dictionary<string, string?>
        {
            ["Host__Role"] = "writer",
            ["AzureWebJobsStorage"] = hostSettings["AzureWebJobsStorage"],
            ["AzureFunctionsJobHost__extensions__durableTask__hubName"] = hostSettings["AzureFunctionsJobHost__extensions__durableTask__hubName"],
            ["IDENTITY_ENDPOINT"] = $"{dev.BaseUrl}/msi/token",
            ["IDENTITY_HEADER"] = dev.WriterIdentityHeader,
            ["AgentOps__Systems__DefaultBaseUrl"] = dev.BaseUrl,
            ["AgentOps__Evidence__VaultKey"] = HostProcess.VaultKey,
            ["AgentOps__Writer__IntentKey"] = IntentKey,
            ["Logging__LogLevel__Default"] = "Information",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var writer = new WriterProcess(FreePort.Next(), settings);
        await writer.WaitHealthyAsync(TimeSpan.FromSeconds(60));
        hostSettings["AgentOps__Writer__Url"] = writer.BaseUrl;
        hostSettings["AgentOps__Writer__IntentKey"] = IntentKey;
        return writer;
    }
}
