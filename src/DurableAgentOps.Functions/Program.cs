using DurableAgentOps.Functions;
using DurableAgentOps.Runtime;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Azure Functions app: composition and trigger wrappers only (docs/FUNCTIONS.md).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddAgentOpsFunctions(builder.Configuration);
try
{
    // Settings are validated as the worker starts, before it takes any invocation: a bad one stops it, named, as on
    // the standalone host.
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception ex) when (StartupFailure.Describe(ex) is { } failure)
{
    foreach (var problem in failure.Problems)
    {
        await Console.Error.WriteLineAsync($"DurableAgentOps.Functions: cannot start: {problem}");
    }

    return failure.ExitCode;
}
