using DurableAgentOps.Runtime;
using DurableAgentOps.Api;
using DurableAgentOps.Runtime.Shared;
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

// The same Runtime and Api as the standalone host; the orchestrator and activities run as this app's triggers.
builder.Services.AddAgentOpsRuntime(builder.Configuration);
builder.Services.AddAgentOpsApi(builder.Configuration);

await builder.Build().RunAsync();
