using DurableAgentOps.Core.Governance;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Writer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// This host's governance as its validated settings make it: what <c>GET /api/host</c> answers and what each run it
/// starts records. Read through the options, so a switch refused at start is refused here too.
/// </summary>
internal static class ThisHost
{
    public static HostGovernance Governance(IServiceProvider services)
    {
        var environment = services.GetService<IHostEnvironment>();
        var run = services.GetRequiredService<IOptions<AgentOpsRunOptions>>().Value;
        var evidence = services.GetRequiredService<IOptions<EvidenceOptions>>().Value;
        var writer = services.GetRequiredService<IOptions<WriterOptions>>().Value;
        var delegation = services.GetRequiredService<IOptions<Identity.DelegationOptions>>().Value;
        return new HostGovernance(DevelopmentOnly.NameOf(environment), DevelopmentOnly.Allows(environment), run.Environment, run.ScopeGuardEnabled, evidence.Enabled,
            writer.Url is not null && writer.Key is not null, delegation.Enabled);
    }
}
