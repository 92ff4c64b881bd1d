using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>
/// What starting and ending a run means for the steps that act for its initiator: before the run is scheduled, one
/// on-behalf-of session per acting app, opened with the starter's own sign-in token; when it ends, the sessions are
/// deleted. A run that cannot act for its starter is not started at all, rather than failing at its first delegated step.
/// </summary>
public sealed class RunDelegation(DelegatedTokens tokens, DelegatedSessionStore sessions, ClientIdResolver clientIds, ILogger<RunDelegation> logger)
{
    /// <summary>The delegated steps of a pinned definition, each with its identity; empty for a workflow that acts for nobody.</summary>
    public static IReadOnlyList<(StepDefinition Step, IdentityDefinition Identity)> StepsActingFor(WorkflowSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return [.. snapshot.Definition.Steps
            .Select(s => (Step: s, Identity: snapshot.Identities.FirstOrDefault(i => i.Name == s.Identity)))
            .Where(p => p.Identity is { IsDelegated: true })
            .Select(p => (p.Step, p.Identity!))];
    }

    /// <summary>
    /// Why a run of this workflow cannot be started here with what the request carries, or null when it can: the host
    /// must be set up to act for people, and the starter must have come with a sign-in token of their own (a system key,
    /// a page session or an engine route carries none the host could hand on).
    /// </summary>
    public string? WhyNot(string workflow, IReadOnlyList<(StepDefinition Step, IdentityDefinition Identity)> delegated, string? assertion)
    {
        if (delegated.Count == 0)
        {
            return null;
        }

        var steps = string.Join(", ", delegated.Select(d => $"{d.Step.Id} ({d.Identity.Name})"));
        if (!tokens.Enabled)
        {
            return $"{workflow} acts for the person who starts it ({steps}), and this host is not set up to act for anyone ({DelegationOptions.Section}: Authority, ManagedIdentityClientId, CacheKey)";
        }

        return string.IsNullOrEmpty(assertion)
            ? $"{workflow} acts for the person who starts it ({steps}): start it with your own sign-in (agentops run, or the API with your bearer token); a system key or another route carries no sign-in the host could act with"
            : null;
    }

    /// <summary>Opens a session for every app that acts in the run, checking each acts for <paramref name="initiator"/>.</summary>
    public async Task BeginAsync(
        string runId, WorkflowSnapshot snapshot, IReadOnlyList<(StepDefinition Step, IdentityDefinition Identity)> delegated, string environment,
        string assertion, PrincipalRef initiator, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        try
        {
            // One session per delegated identity, opened with its own grant's permissions: its tokens never carry another
            // identity's, even where both identities name the same acting app.
            foreach (var identity in delegated.GroupBy(d => d.Identity.Name, StringComparer.Ordinal))
            {
                var (step, definition) = identity.First();
                var system = step.System ?? throw new DelegationException($"step '{step.Id}' acts for a person and names no system");
                var resource = snapshot.Declarations?.FirstOrDefault(d => d.System == system)?.Resource;
                var clientId = clientIds.Resolve(definition.ClientIds.GetValueOrDefault(environment)
                    ?? throw new DelegationException($"identity '{definition.Name}' has no client id for environment '{environment}'"));
                await tokens.BeginAsync(runId, definition.Name, clientId, tokens.ScopesFor(definition, system, resource), assertion, initiator, cancellationToken);
            }
        }
        catch (StepRefusedException ex)
        {
            await EndAsync(runId, CancellationToken.None);
            throw new DelegationException(ex.Message);
        }
        catch
        {
            await EndAsync(runId, CancellationToken.None); // MSAL may have saved a session before the failure
            throw;
        }
    }

    /// <summary>Deletes every session of the run; a failure is logged, not thrown (the rows stay encrypted, and a later end deletes them).</summary>
    public async Task EndAsync(string runId, CancellationToken cancellationToken)
    {
        if (!tokens.Enabled)
        {
            return; // a host that acts for nobody opened no session
        }

        try
        {
            var count = await sessions.DeleteRunAsync(runId, cancellationToken);
            if (count > 0)
            {
                logger.DelegationEnded(runId, count);
            }
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException or InvalidOperationException or HttpRequestException)
        {
            logger.DelegationEndDeferred(runId, ex.GetType().Name);
        }
    }
}
