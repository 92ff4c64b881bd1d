using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

public sealed class GateTallyTests
{
    private static GateDefinition Gate(int quorum = 1, bool separation = true) =>
        new("g", [new Approver(ApproverKind.Group, "managers")], ["email"], "P1D", [], null, quorum, separation, TimeoutAction.Reject);

    [Fact]
    public void Count_InitiatorUnderSeparationOfDuties_IsNotCounted()
    {
        var tally = new GateTally(Gate(), "t/alice");

        Assert.Equal(TallyVerdict.InitiatorMayNotDecide, tally.Count("t/alice", approved: true));
        Assert.Equal(TallyVerdict.InitiatorMayNotDecide, tally.Count("T/ALICE", approved: false));
        Assert.Equal(0, tally.Approvals);
        Assert.False(tally.Rejected);
    }

    [Fact]
    public void Count_InitiatorWithoutSeparationOfDuties_Counts()
    {
        var tally = new GateTally(Gate(separation: false), "t/alice");

        Assert.Equal(TallyVerdict.Counted, tally.Count("t/alice", approved: true));
        Assert.True(tally.QuorumReached);
    }

    [Fact]
    public void Count_SamePrincipalTwice_CountsOnceTowardAQuorumOfTwo()
    {
        var tally = new GateTally(Gate(quorum: 2), "t/alice");

        Assert.Equal(TallyVerdict.Counted, tally.Count("t/cfo", approved: true));
        Assert.Equal(TallyVerdict.AlreadyAnswered, tally.Count("t/cfo", approved: true));
        Assert.False(tally.QuorumReached);
        Assert.Equal(TallyVerdict.Counted, tally.Count("t/controller", approved: true));
        Assert.True(tally.QuorumReached);
    }

    [Fact]
    public void Count_ARejectionAfterApprovals_ClosesTheGateRejected()
    {
        var tally = new GateTally(Gate(quorum: 2), "t/alice");
        tally.Count("t/cfo", approved: true);

        Assert.Equal(TallyVerdict.Counted, tally.Count("t/controller", approved: false));
        Assert.True(tally.Rejected);
        Assert.False(tally.QuorumReached);
    }

    [Fact]
    public void Count_ARepeatCannotTurnAnApprovalIntoARejection()
    {
        var tally = new GateTally(Gate(quorum: 2), "t/alice");
        tally.Count("t/cfo", approved: true);

        Assert.Equal(TallyVerdict.AlreadyAnswered, tally.Count("t/cfo", approved: false));
        Assert.False(tally.Rejected);
    }

    [Theory]
    [InlineData(TallyVerdict.Counted, "counted")]
    [InlineData(TallyVerdict.InitiatorMayNotDecide, "ignored: the initiator may not decide (separation of duties)")]
    [InlineData(TallyVerdict.AlreadyAnswered, "ignored: this principal already answered this gate")]
    public void Describe_EachVerdict_SaysWhat(TallyVerdict verdict, string expected) => Assert.Equal(expected, GateTally.Describe(verdict));
}
