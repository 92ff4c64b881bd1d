using System.Text.Json.Serialization;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// Which decision an <c>approval</c> event names, for the gate the run waits at. <see cref="Claim"/>: the run's ask
/// for a place among the active runs, made when an approval would complete the gate's quorum, so a burst of approvals
/// does not send every approved run on at once (load control; the ledger keeps the request without it).
/// </summary>
public sealed record DecisionCheckRequest(
    string RunId, string StepId, string Gate, string DecisionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EvidenceBatch? Evidence = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] AdmissionClaim? Claim = null) : ICarriesEvidence;

/// <summary>
/// The recorded decision, or why the event does not count (<see cref="Reason"/>). <see cref="Admitted"/>: the answer to
/// the request's claim, asked only for an approval (null: not asked, or the admission table did not answer), and
/// <see cref="Wake"/> the runs waiting behind it to wake.
/// </summary>
public sealed record DecisionCheck(
    RecordedDecision? Decision, string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Admitted = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Wake = null);

/// <summary>
/// Reads back the decision an event names from the decision store. The orchestration counts only decisions found
/// there for this run and this gate: an event raised any other way (the instance API, a hand-made body) names no
/// recorded decision, and is kept as ignored with the reason.
/// </summary>
public sealed class VerifyDecisionActivity(
    DecisionStore decisions, CarriedEvidence carried, AdmissionStore admission, IOptions<AdmissionOptions> options, ILogger<VerifyDecisionActivity> logger)
    : TaskActivity<DecisionCheckRequest, DecisionCheck>
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
        if (input.Claim is { } claim && check.Decision is { Approved: true, Refused: null })
        {
            var grant = await ClaimAsync(input.RunId, claim);
            check = check with { Admitted = grant?.Admitted, Wake = grant is { Wake.Count: > 0 } ? grant.Wake : null };
        }

        span?.SetTag(TelemetryTags.Decision, check.Decision switch
        {
            null => "ignored",
            { Refused: not null } => "refused",
            { Approved: true } => "approved",
            _ => "rejected",
        });
        return check;
    }

    /// <summary>Admission is load control, not governance: a table that cannot answer lets the approved run go on.</summary>
    private async Task<AdmissionGrant?> ClaimAsync(string runId, AdmissionClaim claim)
    {
        try
        {
            return await admission.ClaimAsync(runId, claim.Since, Math.Clamp(claim.Limit, 1, AdmissionOptionsValidator.MaxSlots), options.Value.SlotLease, CancellationToken.None);
        }
        catch (Exception ex) when (ex is Azure.RequestFailedException || CarriedEvidence.Transient(ex))
        {
            logger.AdmissionUnanswered(runId, ex.GetType().Name);
            return null;
        }
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
