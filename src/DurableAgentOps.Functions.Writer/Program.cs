using DurableAgentOps.Runtime;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The writer Function App (isolation: separate-writer): the writer's composition and its route, nothing else (docs/FUNCTIONS.md).
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddAgentOpsWriter(builder.Configuration);
try
{
    await builder.Build().RunAsync();
    return 0;
}
catch (Exception ex) when (StartupFailure.Describe(ex) is { } failure)
{
    foreach (var problem in failure.Problems)
    {
        await Console.Error.WriteLineAsync($"DurableAgentOps.Functions.Writer: cannot start: {problem}");
    }

    return failure.ExitCode;
}
