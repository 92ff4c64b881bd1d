using DurableAgentOps.Host;

// The standalone host: the durable engine, the governed-run API and the instance API (see docs/ARCHITECTURE.md).
return await StandaloneHost.RunAsync(StandaloneHost.CreateBuilder(args));
