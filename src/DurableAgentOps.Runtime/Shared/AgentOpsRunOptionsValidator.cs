using DurableAgentOps.Core.Governance;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>Refuses the scope guard off outside Development (see <see cref="DevelopmentOnly"/>); no environment registered: refused.</summary>
internal sealed class AgentOpsRunOptionsValidator(IHostEnvironment? environment = null) : IValidateOptions<AgentOpsRunOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOpsRunOptions options) =>
        !options.ScopeGuardEnabled && DevelopmentOnly.Refusal(environment, GovernanceSwitches.ScopeGuardSetting, "the scope guard") is { } refusal
            ? ValidateOptionsResult.Fail(refusal)
            : ValidateOptionsResult.Success;
}
