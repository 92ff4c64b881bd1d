using DurableAgentOps.Core.Scope;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// When a write's gate opens: the exact change the write will send (the same calls it will build), checked against
/// the step's scope before anyone is asked, kept in the change store for the approval page, and digested.
/// </summary>
public sealed class PrepareChangeActivity(
    ChangeStore changes, CarriedEvidence carried, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, IOptions<ApprovalsOptions> approvals)
    : TaskActivity<StepInvocation, ProposedChange>
{
    public const string Name = nameof(PrepareChangeActivity);

    public override async Task<ProposedChange> RunAsync(TaskActivityContext context, StepInvocation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await carried.AppendAsync(input);
        using var span = RuntimeTelemetry.StartStep(RuntimeTelemetry.PrepareSpan, input);
        try
        {
            return await PrepareAsync(input);
        }
        catch (Exception ex)
        {
            RuntimeTelemetry.Fail(span, ex);
            throw;
        }
    }

    private async Task<ProposedChange> PrepareAsync(StepInvocation input)
    {
        if (input.Writer is null)
        {
            _ = clientIds.Resolve(input.ClientId); // a writer with no client id here is refused now, not after the approval
        }
        var calls = WriteChange.BuildCalls(input);
        if (options.Value.ScopeGuardEnabled)
        {
            foreach (var call in calls)
            {
                try
                {
                    ScopeGuard.Check(input.Step, input.Identity, call.Operation, call.Record, call.Fields);
                }
                catch (ScopeViolationException)
                {
                    RuntimeTelemetry.ScopeRefused(input, call.Operation);
                    throw;
                }
            }
        }

        var change = WriteChange.Describe(calls, input.Data);
        // Sealed for the page and the notices; without a link-signing key there is no page, and the notices refuse to
        // show an unsealed change.
        await changes.SaveAsync(input.RunId, approvals.Value.Key is { } key ? change.SealedWith(key) : change, CancellationToken.None);
        return change with { Calls = null }; // the stored copy keeps the calls for checking; the run's history need not
    }
}
