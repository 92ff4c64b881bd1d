using System.Text.Json.Serialization;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using Microsoft.DurableTask;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A run asks for a place among the runs advancing to their first gate (<see cref="Release"/> false), or gives its
/// place back as it parks at the gate or ends (true). <see cref="Since"/> is when the run first asked: its place in the
/// queue. A release may also take out of the queue the row of an ask the run no longer waits on (<see cref="Withdraw"/>:
/// when that ask was made).
/// </summary>
public sealed record AdmissionRequest(
    string RunId, int Limit, DateTime Since, bool Release,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EvidenceBatch? Evidence = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? Withdraw = null) : ICarriesEvidence;

/// <summary>A run's ask for a place: how many places, and when it first asked (its queue row's key).</summary>
internal sealed record AdmissionClaim(int Limit, DateTime Since);

/// <summary>Whether the run was admitted; the waiting runs to wake (oldest first): on a release, and on a claim that left places free.</summary>
public sealed record AdmissionAnswer(bool Admitted, IReadOnlyList<string> Wake);

/// <summary>
/// Admission control (<see cref="AdmissionOptions"/>) against the hub's admission table (<see cref="AdmissionStore"/>).
/// A release carries the evidence a run appends before its gate's wait, so parking costs no activity of its own.
/// </summary>
public sealed class AdmissionActivity(AdmissionStore admission, CarriedEvidence carried, IOptions<AdmissionOptions> options)
    : TaskActivity<AdmissionRequest, AdmissionAnswer>
{
    public const string Name = nameof(AdmissionActivity);

    public override async Task<AdmissionAnswer> RunAsync(TaskActivityContext context, AdmissionRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await carried.AppendAsync(input);
        if (input.Withdraw is { } asked)
        {
            await admission.WithdrawAsync(input.RunId, asked, CancellationToken.None);
        }

        var limit = Math.Clamp(input.Limit, 1, AdmissionOptionsValidator.MaxSlots);
        var lease = options.Value.SlotLease;
        return input.Release
            ? new AdmissionAnswer(false, await admission.ReleaseAsync(input.RunId, limit, lease, CancellationToken.None))
            : await ClaimAsync(input, limit, lease);
    }

    private async Task<AdmissionAnswer> ClaimAsync(AdmissionRequest input, int limit, TimeSpan lease)
    {
        var grant = await admission.ClaimAsync(input.RunId, input.Since, limit, lease, CancellationToken.None);
        return new AdmissionAnswer(grant.Admitted, grant.Wake);
    }
}
