using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Polly;

namespace DurableAgentOps.Runtime.Notifications;

/// <summary>Set-up of the approval channels.</summary>
internal static class NotificationServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="EmailNotifier"/> (<c>AgentOps:Email</c>) and <see cref="TeamsNotifier"/> (<c>AgentOps:Teams</c>)
    /// with their settings, validated at start-up. A channel whose settings are absent (no SMTP host, no webhook URL) is
    /// registered all the same and answers every send with a "not configured" failure, so callers need no branches.
    /// </summary>
    public static IServiceCollection AddApprovalNotifiers(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EmailOptions>().Bind(configuration.GetSection(EmailOptions.Section)).ValidateOnStart();
        services.AddOptions<TeamsOptions>().Bind(configuration.GetSection(TeamsOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EmailOptions>, EmailOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TeamsOptions>, TeamsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EmailNotifier>();
        services.AddResiliencePipeline(EmailNotifier.Pipeline, EmailNotifier.ConfigurePipeline);
        // Each post is timed out by the resilience pipeline (TeamsOptions.Timeout per attempt); the answer's body is never read.
        services.AddHttpClient<TeamsNotifier>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            // The factory's default handlers log each request's URL: this one carries the webhook's sig= credential.
            .RemoveAllLoggers()
            // A redirect would carry the card somewhere the operator did not configure.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
            .AddResilienceHandler("teams", TeamsNotifier.ConfigurePipeline);
        return services;
    }
}
