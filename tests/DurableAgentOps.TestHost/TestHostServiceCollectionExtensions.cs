using DurableAgentOps.Runtime.Connectors;
using Microsoft.DurableTask;

namespace DurableAgentOps.TestHost;

internal static class TestHostServiceCollectionExtensions
{
    /// <summary>The setting naming a write step after whose first committed system call this host dies (SIGKILL-like).</summary>
    public const string KillAfterWriteStepSetting = "TestHost:KillAfterWriteStep";

    public static IServiceCollection AddTestHostAdditions(this IServiceCollection services, IConfiguration configuration)
    {
        // The probe runs beside the governed orchestration on the same engine; tests start it through a task hub client.
        services.Configure<DurableTaskRegistry>(tasks => tasks.AddOrchestrator<ProbeOrchestrator>().AddActivity<ProbeStepActivity>());

        if (configuration[KillAfterWriteStepSetting] is { Length: > 0 } step)
        {
            services.AddHttpClient<SystemClient>().AddHttpMessageHandler(() => new KillAfterWriteHandler(step));
        }

        return services;
    }
}
