using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Approvals;

/// <summary>What a decision did to a gate's count.</summary>
public enum TallyVerdict
{
    /// <summary>Counted toward the quorum (an approval) or closing the gate (a rejection).</summary>
    Counted,

    /// <summary>The run's initiator answered and the gate separates duties.</summary>
    InitiatorMayNotDecide,

    /// <summary>This principal already answered this gate.</summary>
    AlreadyAnswered,
}

/// <summary>
/// One gate's count of decisions, by principal id (never by name or address): separation of duties compares the
/// decider with the initiator, and a quorum counts distinct principals. Pure, so the orchestrator stays deterministic.
/// </summary>
public sealed class GateTally(GateDefinition gate, string initiatorId)
{
    private readonly HashSet<string> answered = new(StringComparer.OrdinalIgnoreCase);

    public GateDefinition Gate { get; } = gate ?? throw new ArgumentNullException(nameof(gate));

    public int Approvals { get; private set; }

    public bool Rejected { get; private set; }

    public bool QuorumReached => !Rejected && Approvals >= Gate.Quorum;

    /// <summary>The principals who answered (approved or rejected), in no particular order.</summary>
    public IReadOnlyCollection<string> Answered => answered;

    public TallyVerdict Count(string principalId, bool approved)
    {
        ArgumentException.ThrowIfNullOrEmpty(principalId);
        if (Gate.SeparationOfDuties && string.Equals(principalId, initiatorId, StringComparison.OrdinalIgnoreCase))
        {
            return TallyVerdict.InitiatorMayNotDecide;
        }

        if (!answered.Add(principalId))
        {
            return TallyVerdict.AlreadyAnswered;
        }

        if (approved)
        {
            Approvals++;
        }
        else
        {
            Rejected = true;
        }

        return TallyVerdict.Counted;
    }

    public static string Describe(TallyVerdict verdict) => verdict switch
    {
        TallyVerdict.Counted => "counted",
        TallyVerdict.InitiatorMayNotDecide => "ignored: the initiator may not decide (separation of duties)",
        _ => "ignored: this principal already answered this gate",
    };
}
