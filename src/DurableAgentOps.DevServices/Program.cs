using DurableAgentOps.DevServices;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Storage;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

// Local stand-ins with no emulator of their own, one port: the managed-identity endpoint, the dev sign-in provider
// for people, the Graph-shaped directory and the sample systems.
var builder = WebApplication.CreateBuilder(args);
builder.Services
    .AddDevIdentityEndpoint(builder.Configuration)
    .AddDevSignIn(builder.Configuration)
    .AddDevGraph(builder.Configuration)
    .AddSampleSystems(builder.Configuration);

// A failed start is reported once, below, as one line; the host would log it again with a stack trace.
builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
// One address for clients and for the tokens' issuer, unless urls / ASPNETCORE_URLS says otherwise; plus the
// HTTPS listener on localhost when DevServices:TlsPort is set.
var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] is { Length: > 0 } configured
    ? configured
    : builder.Configuration.GetValue($"{DevServicesOptions.Section}:PublicUrl", new Uri("http://127.0.0.1:7080"))!.GetLeftPart(UriPartial.Authority);
builder.WebHost.UseDevServicesUrls(builder.Configuration, urls);

try
{
    await using var app = builder.Build();
    app.MapDevIdentityEndpoint();
    app.MapDevSignIn();
    app.MapDevGraph();
    app.MapSampleSystems();
    app.MapGet("/healthz", async (IOptions<DevServicesOptions> options, CancellationToken cancellationToken) =>
        await StorageProbe.CheckAsync(options.Value.StorageConnectionString, TimeSpan.FromSeconds(2), cancellationToken) is { } problem
            ? Results.Json(new { status = "unhealthy", reason = problem }, statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Json(new { status = "ok" }));
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is DevServicesStartupException or OptionsValidationException or IOException { InnerException: AddressInUseException })
{
    // The operator's to fix: say what and where, no stack trace.
    var problems = ex is OptionsValidationException invalid ? invalid.Failures : [ex.Message];
    foreach (var problem in problems)
    {
        await Console.Error.WriteLineAsync($"DurableAgentOps.DevServices: cannot start: {problem}");
    }

    return ex is DevServicesStartupException startup ? startup.ExitCode : DevServicesStartupException.ConfigurationExitCode;
}
