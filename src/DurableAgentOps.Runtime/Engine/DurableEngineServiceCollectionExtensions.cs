using DurableAgentOps.Runtime.Shared;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>Set-up of the durable engine, in the style of <c>AddDurableTaskWorker(...).AddTasks(...)</c>.</summary>
internal static class DurableEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the engine as a hosted service, with settings from host.json's <c>extensions.durableTask</c>
    /// (overridable by <c>AzureFunctionsJobHost__extensions__durableTask__*</c>) and storage from the connection it names.
    /// </summary>
    public static DurableEngineBuilder AddDurableEngine(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<DurableEngineOptions>()
            .Configure(options =>
            {
                configuration.GetSection(DurableEngineOptions.HostJsonSection).Bind(options);
                configuration.GetSection(DurableEngineOptions.OverrideSection).Bind(options);
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DurableEngineOptions>, DurableEngineOptionsValidator>());
        services.TryAddSingleton(sp => StorageConnection.FromConfiguration(
            configuration, sp.GetRequiredService<IOptions<DurableEngineOptions>>().Value.StorageProvider.EffectiveConnectionName));
        services.TryAddSingleton<DurableEngine>();
        services.TryAddSingleton(sp => new WorkerInfo(sp.GetRequiredService<DurableEngine>().WorkerId));
        services.AddHostedService(sp => sp.GetRequiredService<DurableEngine>());
        services.TryAddSingleton<DurableTaskClient>(sp => sp.GetRequiredService<DurableEngine>().Client);
        return new DurableEngineBuilder(services);
    }
}

/// <summary>Registers what the engine runs.</summary>
internal sealed class DurableEngineBuilder(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    /// <summary>Adds orchestrators and activities (class-based or function-based) to the engine's registry.</summary>
    public DurableEngineBuilder AddTasks(Action<DurableTaskRegistry> configure)
    {
        Services.Configure(configure);
        return this;
    }
}
