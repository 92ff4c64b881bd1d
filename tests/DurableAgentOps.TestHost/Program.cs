using DurableAgentOps.Host;
using DurableAgentOps.TestHost;

// The product's standalone host, composed exactly as it ships, with the test-only additions registered here.
var builder = StandaloneHost.CreateBuilder(args);
builder.Services.AddTestHostAdditions(builder.Configuration);
return await StandaloneHost.RunAsync(builder);
