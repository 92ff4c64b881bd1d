using DurableAgentOps.Host;
using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Options;

// `DurableAgentOps.Host` serves the HTTP API; `DurableAgentOps.Host demo` also drives one sample run through it.
var demo = args.Length > 0 && args[0] == "demo";
var builder = WebApplication.CreateBuilder(demo ? args[1..] : args);
try
{
    builder.Configuration.AddHostJson(builder.Configuration);
    if (demo)
    {
        // The demo prints its own progress; keep framework logs to warnings.
        builder.Configuration.AddInMemoryCollection([new("logging:logLevel:default", "Warning")]);
    }

    builder.Services.AddAgentOpsHost(builder.Configuration);
    await using var app = builder.Build();
    app.MapAgentOpsApi();

    // Check settings and storage before the web host starts, so an operator sees one clear message, not a stack.
    _ = app.Services.GetRequiredService<IOptions<DurableEngineOptions>>().Value;
    await app.Services.GetRequiredService<DurableEngine>().ProbeStorageAsync(CancellationToken.None);
    if (!demo)
    {
        await app.RunAsync();
        return 0;
    }

    await app.StartAsync();
    var exitCode = await DemoRun.RunAsync(app, Console.Out);
    await app.StopAsync();
    return exitCode;
}
catch (Exception ex) when (ex is StorageUnreachableException or OptionsValidationException or FileNotFoundException or InvalidOperationException { InnerException: FormatException })
{
    // A bad setting or unreachable storage is the operator's to fix: say what and where, no stack trace.
    var problems = ex is OptionsValidationException invalid ? invalid.Failures : [ex.Message];
    foreach (var problem in problems)
    {
        await Console.Error.WriteLineAsync($"DurableAgentOps.Host: cannot start: {problem}");
    }

    return ex is StorageUnreachableException ? 3 : 2;
}
