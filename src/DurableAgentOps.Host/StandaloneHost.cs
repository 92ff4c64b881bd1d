using DurableAgentOps.Api;
using DurableAgentOps.Api.Instances;
using DurableAgentOps.Api.Writer;
using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Host;

/// <summary>
/// The standalone host, composed from the layers below it: the Runtime on this process's own engine, the Api's
/// endpoints, and the instance API the Functions app gets from the Durable extension. Nothing else lives here.
/// </summary>
public static class StandaloneHost
{
    /// <summary>Which process this is (<c>Host:Role</c>, or <c>--role</c>): the main app, or the writer of separate-writer workflows.</summary>
    public const string RoleSetting = "Host:Role";

    /// <summary>The host's builder with everything registered; a caller may add to it before <see cref="RunAsync"/>.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddHostJson(builder.Configuration);
        if (IsWriter(builder.Configuration))
        {
            // The writer: only what a write needs, and only the identities attached to this process (see docs/ARCHITECTURE.md).
            builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
            builder.Services.AddAgentOpsWriter(builder.Configuration);
            return builder;
        }

        // Request lines carry paths, and an approval page's path is its link: never log them at Information.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = builder.Configuration.GetValue("Host:ShutdownTimeout", TimeSpan.FromSeconds(30)));
        builder.Services.AddAgentOpsRuntime(builder.Configuration).UseStandaloneEngine();
        builder.Services.AddAgentOpsApi(builder.Configuration);
        return builder;
    }

    private static bool IsWriter(IConfiguration configuration) =>
        (configuration[RoleSetting] ?? configuration["role"]) switch
        {
            null or "" or "main" => false,
            "writer" => true,
            var other => throw new ArgumentException($"{RoleSetting} (--role) is '{other}': use main or writer"),
        };

    /// <summary>
    /// Builds and runs the host until it is stopped; 0 after a clean stop, 2 for a bad setting, 3 for unreachable
    /// storage, each with one line per problem on stderr (no stack trace: the operator's to fix).
    /// </summary>
    public static async Task<int> RunAsync(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        try
        {
            await using var app = builder.Build();
            if (IsWriter(app.Configuration))
            {
                app.MapWriterApi();
                app.Services.GetRequiredService<IStartupValidator>().Validate();
                await app.RunAsync();
                return 0;
            }

            app.UseAgentOpsApi();
            app.MapAgentOpsApi();
            app.MapInstanceApi();

            // Settings are validated before anything starts; storage is probed before the host listens.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            await app.Services.GetRequiredService<DurableEngine>().ProbeStorageAsync(CancellationToken.None);
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (StartupFailure.Describe(ex) is { } failure)
        {
            foreach (var problem in failure.Problems)
            {
                await Console.Error.WriteLineAsync($"DurableAgentOps.Host: cannot start: {problem}");
            }

            return failure.ExitCode;
        }
    }
}
