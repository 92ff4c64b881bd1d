namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// The Functions app's worker process (src/DurableAgentOps.Functions), started as the Functions host starts it, with
/// the worker settings the host passes. No Functions host runs here (docs/FUNCTIONS.md), so the worker can get as far as
/// its own start-up: enough to see it refuse bad settings before it takes any invocation.
/// </summary>
internal sealed class FunctionsWorkerProcess : ServiceProcess
{
    private FunctionsWorkerProcess(int port, IDictionary<string, string?> environment)
        : base(RepoPaths.FunctionsDll, port, environment)
    {
    }

    /// <summary>What the Functions host gives every worker it starts; the endpoint is a port nothing listens on.</summary>
    public static Dictionary<string, string?> WorkerSettings(int hostPort) => new()
    {
        ["Functions__Worker__HostEndpoint"] = $"http://127.0.0.1:{hostPort}",
        ["Functions__Worker__WorkerId"] = Guid.NewGuid().ToString(),
        ["Functions__Worker__RequestId"] = Guid.NewGuid().ToString(),
        ["Functions__Worker__GrpcMaxMessageLength"] = "2147483647",
    };

    public static FunctionsWorkerProcess Start(IDictionary<string, string?> environment) => new(FreePort.Next(), environment);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await Process.WaitForExitAsync(cts.Token);
        return Process.ExitCode;
    }
}
