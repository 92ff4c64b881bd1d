using System.Diagnostics;
using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>What every step activity shares: the guard, the clock for the record, the record itself.</summary>
public abstract class StepActivityBase(WorkerInfo worker, CarriedEvidence carried, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger logger)
    : TaskActivity<StepInvocation, StepRecord>
{
    protected AgentOpsRunOptions Options => options.Value;

    /// <summary>Set for a step whose identity acts for the run's initiator: every call it sends goes with this.</summary>
    protected DelegatedCall? Delegated { get; private set; }

    public override async Task<StepRecord> RunAsync(TaskActivityContext context, StepInvocation input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await carried.AppendAsync(input);
        // A write handed to the writer keeps the catalogue's client id: only the writer has (and resolves) its setting.
        input = input with { ClientId = input.Writer is null ? clientIds.Resolve(input.ClientId) : input.ClientId, Evidence = null };
        Delegated = DelegatedCall.For(input);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        using var span = RuntimeTelemetry.StartStep(RuntimeTelemetry.StepSpan, input);
        var outcome = "succeeded";
        (JsonObject? Output, IReadOnlyList<string> Operations, IReadOnlyList<string> Records, ModelUsage? Usage) done;
        try
        {
            done = await RunStepAsync(input);
        }
        catch (Exception ex)
        {
            outcome = RuntimeTelemetry.OutcomeOf(ex);
            RuntimeTelemetry.Fail(span, ex);
            throw;
        }
        finally
        {
            span?.SetTag(TelemetryTags.StepOutcome, outcome);
            RuntimeTelemetry.StepDuration.Record(clock.Elapsed.TotalSeconds, new(TelemetryTags.Workflow, input.Workflow),
                new(TelemetryTags.StepKind, input.Step.Kind.ToString().ToLowerInvariant()), new(TelemetryTags.StepOutcome, outcome));
        }

        var (output, operations, records, usage) = done;
        logger.StepDone(input.RunId, input.Step.Id, input.Identity.Name, string.Join(",", records));
        return new StepRecord(input.Step.Id, input.Step.Kind, input.Identity.Name, input.ClientId, input.Step.Scope,
            operations, records, started, (int)clock.ElapsedMilliseconds, "succeeded", worker.WorkerId, output, usage, Delegated?.ActedFor);
    }

    protected abstract Task<(JsonObject? Output, IReadOnlyList<string> Operations, IReadOnlyList<string> Records, ModelUsage? Usage)> RunStepAsync(
        StepInvocation input);

    /// <summary>Checks a call against the step's scope and the identity's grants before it leaves the process.</summary>
    protected void Guard(StepInvocation input, SystemCall call)
    {
        if (!Options.ScopeGuardEnabled)
        {
            if (Delegated is not null)
            {
                // The system checks only the person's rights: without the guard nothing would hold the declared scope.
                throw new StepRefusedException($"step '{input.Step.Id}' acts for a person, and this host's scope guard is off: a delegated call is never sent unchecked");
            }

            logger.ScopeGuardOff(input.Step.Id, call.Operation);
            return;
        }

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
