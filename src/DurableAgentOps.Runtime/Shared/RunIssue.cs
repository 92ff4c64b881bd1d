using System.Text.Json.Nodes;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// What binds a run to the start the run service issued: the SHA-256 of the governance-relevant part of its
/// <see cref="RunRequest"/> (who started it, what it runs, with which input, under which evidence and logic). The run
/// service stores it before it schedules the run; the orchestration computes it again from the input it actually got and
/// hands it to its first activity, which compares. Pure, so the orchestrator may use it. <see cref="RunRequest.Admission"/>
/// is left out: it is load control, not governance, and the ledger (replay from it rebuilds this) does not keep it.
/// </summary>
internal static class RunIssue
{
    public static string Digest(RunRequest run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var bound = new JsonObject
        {
            ["runId"] = run.RunId,
            ["workflow"] = run.Workflow,
            ["definitionSha256"] = run.DefinitionSha256,
            ["input"] = run.Input?.DeepClone(),
            ["initiator"] = EngineJson.ToNode(run.Initiator),
            ["environment"] = run.Environment,
            ["evidence"] = run.Evidence,
            ["logicVersion"] = run.LogicVersion,
        };

        // Empty and absent mean the same (nothing off); the ledger records the list only when something was off.
        if (run.GovernanceOff is { Count: > 0 } off)
        {
            bound["governanceOff"] = EngineJson.ToNode(off);
        }

        return CanonicalJson.Sha256(bound);
    }
}
