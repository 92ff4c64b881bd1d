using DurableAgentOps.Api;
using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Functions;

/// <summary>The Functions app's composition: the same Runtime and Api as the standalone host, bound to what Functions provides.</summary>
public static class FunctionsComposition
{
    public static IServiceCollection AddAgentOpsFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        // On Azure, WEBSITE_INSTANCE_ID names the VM instance running this worker; it is what an investigator can match
        // to the platform's logs. Elsewhere (local runs) the machine name and process id are unique enough.
        var instanceId = configuration["WEBSITE_INSTANCE_ID"];
        services.AddSingleton(string.IsNullOrEmpty(instanceId) ? WorkerInfo.ForThisProcess() : new WorkerInfo($"{instanceId}-{Environment.ProcessId}"));

        // The orchestrator and activities run as this app's triggers, so the Runtime gets no engine of its own.
        services.AddAgentOpsRuntime(configuration);
        services.AddAgentOpsApi(configuration);

        // The Api's OpenTelemetry, plus the worker's: each invocation's span joins the trace the Functions host passes
        // (host.json: telemetryMode OpenTelemetry, durableTask tracing V2), and the resource names this app.
        services.AddOpenTelemetry().UseFunctionsWorkerDefaults();

        // Each request's durable client is a trigger binding; handlers and the run service get it through DI.
        services.AddScoped<RequestDurableClient>();
        services.AddScoped(sp => sp.GetRequiredService<RequestDurableClient>().Required);
        services.AddScoped<RunService>();
        services.AddScoped<RunAdministration>();
        return services;
    }
}
