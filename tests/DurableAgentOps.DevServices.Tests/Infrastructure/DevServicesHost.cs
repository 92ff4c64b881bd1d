using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>The dev services in this process on a real Kestrel and a free port, wired as Program.cs wires them.</summary>
public sealed class DevServicesHost : IAsyncDisposable
{
    private DevServicesHost(WebApplication app, Uri baseUrl, CapturedLogs logs)
    {
        App = app;
        BaseUrl = baseUrl;
        Logs = logs;
    }

    public WebApplication App { get; }

    public Uri BaseUrl { get; }

    public CapturedLogs Logs { get; }

    /// <summary>
    /// Builds and starts a host; <paramref name="settings"/> override the defaults (null removes one), and
    /// <paramref name="services"/> may register replacements first (a fake <see cref="TimeProvider"/>).
    /// </summary>
    public static async Task<DevServicesHost> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var port = Ports.Free();
        var baseUrl = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", ContentRootPath = AppContext.BaseDirectory });
        var config = new Dictionary<string, string?>
        {
            ["DevServices:PublicUrl"] = baseUrl.ToString(),
            ["DevServices:Catalogue"] = TestPaths.Catalogue,
        };
        foreach (var (key, value) in settings)
        {
            config[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(config);
        builder.WebHost.UseDevServicesUrls(builder.Configuration, baseUrl.GetLeftPart(UriPartial.Authority));
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders().AddProvider(logs);
        services?.Invoke(builder.Services);
        builder.Services
            .AddDevIdentityEndpoint(builder.Configuration)
            .AddDevSignIn(builder.Configuration)
            .AddDevGraph(builder.Configuration)
            .AddSampleSystems(builder.Configuration);

        var app = builder.Build();
        app.MapDevIdentityEndpoint();
        app.MapDevSignIn();
        app.MapDevGraph();
        app.MapSampleSystems();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new DevServicesHost(app, baseUrl, logs);
    }

    public T Service<T>()
        where T : notnull => App.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Every formatted log line of a host, so tests can prove secrets never reach a log.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly List<string> lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (lines)
            {
                return [.. lines];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.lines)
            {
                owner.lines.Add($"{category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
