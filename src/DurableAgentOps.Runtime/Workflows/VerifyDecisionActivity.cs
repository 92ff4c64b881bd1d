using System.Text.Json.Serialization;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>Which decision an <c>approval</c> event names, for the gate the run waits at.</summary>
public sealed record DecisionCheckRequest(
    string RunId, string StepId, string Gate, string DecisionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EvidenceBatch? Evidence = null) : ICarriesEvidence;

/// <summary>The recorded decision, or why the event does not count (<see cref="Reason"/>).</summary>
public sealed record DecisionCheck(RecordedDecision? Decision, string? Reason);

/// <summary>
/// Reads back the decision an event names from the decision store. The orchestration counts only decisions found
/// there for this run and this gate: an event raised any other way (the instance API, a hand-made body) names no
/// recorded decision, and is kept as ignored with the reason.
/// </summary>
public sealed class VerifyDecisionActivity(DecisionStore decisions, CarriedEvidence carried) : TaskActivity<DecisionCheckRequest, DecisionCheck>
{
    public const string Name = nameof(VerifyDecisionActivity);

    public override async Task<DecisionCheck> RunAsync(TaskActivityContext context, DecisionCheckRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await carried.AppendAsync(input);
        using var span = RuntimeTelemetry.Source.StartActivity(RuntimeTelemetry.VerifySpan);
        span?.SetTag(TelemetryTags.RunId, input.RunId);
        span?.SetTag(TelemetryTags.StepId, input.StepId);
        span?.SetTag(TelemetryTags.Gate, input.Gate);
        var check = await CheckAsync(input);
        span?.SetTag(TelemetryTags.Decision, check.Decision switch
        {
            null => "ignored",
            { Refused: not null } => "refused",
            { Approved: true } => "approved",
            _ => "rejected",
        });
        return check;
    }

    private async Task<DecisionCheck> CheckAsync(DecisionCheckRequest input)
    {
        var decision = await decisions.GetAsync(input.RunId, input.DecisionId, CancellationToken.None);
        if (decision is null)
        {
            return new DecisionCheck(null, "ignored: no decision with this id was recorded by the approval service for this run");
        }

        return decision.Gate != input.Gate || decision.StepId != input.StepId
            ? new DecisionCheck(null, $"ignored: the decision is for gate '{decision.Gate}', not '{input.Gate}' where the run waits")
            : new DecisionCheck(decision, null);
    }
}
