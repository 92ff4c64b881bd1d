using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

// On Azure, WEBSITE_INSTANCE_ID names the VM instance running this worker; it is what an investigator can match
// to the platform's logs. Elsewhere (local runs) the machine name and process id are unique enough.
var instanceId = Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID");
builder.Services.AddSingleton(string.IsNullOrEmpty(instanceId)
    ? WorkerInfo.ForThisProcess()
    : new WorkerInfo($"{instanceId}-{Environment.ProcessId}"));

// Governed runs: the same step activities, identities, connectors and drafter as the standalone host.
builder.Services.AddAgentWorkflowServices(builder.Configuration);

// The csproj deploys workflows/ next to the app. A Functions worker's working directory need not be the app folder,
// so the catalogue's walk up from it is not relied on: the default is that deployed copy.
builder.Services.PostConfigure<WorkflowFilesOptions>(o =>
{
    if (string.IsNullOrEmpty(o.Path))
    {
        o.Path = Path.Combine(AppContext.BaseDirectory, "workflows");
    }
});

await builder.Build().RunAsync();
