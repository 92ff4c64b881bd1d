using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Notifications;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>The notifiers as a host gets them: <c>AddApprovalNotifiers</c> over settings, with every log entry kept.</summary>
internal sealed class NotifierHost : IDisposable
{
    private readonly ServiceProvider services;

    public NotifierHost(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        collection.AddApprovalNotifiers(configuration);
        services = collection.BuildServiceProvider();
    }

    public CapturingLoggerProvider Logs { get; } = new();

    public EmailNotifier Email => services.GetRequiredService<EmailNotifier>();

    public TeamsNotifier Teams => services.GetRequiredService<TeamsNotifier>();

    public T Get<T>()
        where T : notnull => services.GetRequiredService<T>();

    public void Dispose() => services.Dispose();
}
