using DurableAgentOps.Core.Model;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>
/// One delegated step's calls: the run whose session holds the person's grant, the person the run was started by, and
/// the identity that acts. The token handler fills <see cref="ActedFor"/> from the token each call was sent with, so
/// the step's record says whom the system saw, not whom the run meant.
/// </summary>
public sealed class DelegatedCall(string runId, PrincipalRef initiator, IdentityDefinition identity, string clientId)
{
    public string RunId { get; } = runId;

    public PrincipalRef Initiator { get; } = initiator;

    public IdentityDefinition Identity { get; } = identity;

    /// <summary>The acting app's client id, resolved for this host's environment.</summary>
    public string ClientId { get; } = clientId;

    public ActedFor? ActedFor { get; internal set; }

    /// <summary>The delegated call for a step, or null when its identity acts under authority of its own.</summary>
    public static DelegatedCall? For(StepInvocation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.Identity.IsDelegated)
        {
            return null;
        }

        return input.ActingFor is not { } initiator
            ? throw new StepRefusedException($"step '{input.Step.Id}' acts for the person who started the run, and the run names nobody: it fails closed")
            : new DelegatedCall(input.RunId, initiator, input.Identity, input.ClientId);
    }
}
