using DurableAgentOps.Core.Snapshot;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>
/// A run as its run page may show it to one signed-in person, and why they may see it: they started it, they are an
/// approver of a gate it reached (<see cref="ApproverOf"/>: the gate and the approver entry they match), or they hold
/// a role that reads runs (<see cref="Reader"/>: Reader, Investigator or Administrator). <see cref="Investigator"/>
/// (Investigator or Administrator) also gets the way to the run's evidence. <see cref="Definition"/> is the definition
/// the run executes, or null when it is not deployed here (the page then says only what the status says).
/// </summary>
public sealed record RunPageAccess(
    RunStatus Status, WorkflowSnapshot? Definition, bool Initiator, (string Gate, string MatchedAs)? ApproverOf, bool Reader, bool Investigator);
