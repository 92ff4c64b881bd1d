using DurableAgentOps.Host;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Security;
using Microsoft.Extensions.Options;

// The standalone host: the durable engine, the governed-run API and the instance API (see docs/ARCHITECTURE.md).
var builder = WebApplication.CreateBuilder(args);
try
{
    builder.Configuration.AddHostJson(builder.Configuration);

    // Request lines carry paths, and an approval page's path is its link: never log them at Information.
    builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
    builder.Services.AddAgentOpsHost(builder.Configuration);
    await using var app = builder.Build();

    // Every answer has a body: an unexpected error is a 500 problem (no stack, no server path), an unmatched route or a
    // bad binding a 4xx problem; then every endpoint but /healthz needs a verified caller.
    app.UseExceptionHandler();
    app.UseStatusCodePages();
    app.UseAuthentication();
    app.UseAuthorization();
    app.MapAgentOpsApi();

    // Check settings and storage before the web host starts, so an operator sees one clear message, not a stack.
    _ = app.Services.GetRequiredService<IOptions<DurableEngineOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<DurableAgentOps.Runtime.Approvals.ApprovalsOptions>>().Value;
    _ = app.Services.GetRequiredService<IOptions<DurableAgentOps.Runtime.Evidence.EvidenceOptions>>().Value;
    await app.Services.GetRequiredService<DurableEngine>().ProbeStorageAsync(CancellationToken.None);
    await app.RunAsync();
    return 0;
}
catch (Exception ex) when (ex is StorageUnreachableException or StorageSettingException or OptionsValidationException or FileNotFoundException
    or InvalidOperationException { InnerException: FormatException or StorageSettingException })
{
    // A bad setting or unreachable storage is the operator's to fix: say what and where, no stack trace.
    var problems = ex is OptionsValidationException invalid ? invalid.Failures : [ex.Message];
    foreach (var problem in problems)
    {
        await Console.Error.WriteLineAsync($"DurableAgentOps.Host: cannot start: {problem}");
    }

    return ex is StorageUnreachableException ? 3 : 2;
}
