using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// A run's search index row checked against its signed copy (<see cref="IndexSeal"/>): the row must exist, carry a copy
/// signed with the key for this run and its current head, and show what that copy says. A row rewritten in storage (a
/// status changed, an approver or a write removed) would hide the run from a search while its records still verify.
/// </summary>
public static class IndexCheck
{
    /// <param name="runId">The run, as the log names it.</param>
    /// <param name="head">The run's current signed head (already verified with its records), or null.</param>
    /// <param name="shown">The summary the search shows for the run; null when no index row lists it.</param>
    /// <param name="seal">The row's signed copy (canonical JSON).</param>
    /// <param name="sealSignature">Its signature.</param>
    /// <param name="key">The key the copy must be signed with.</param>
    public static IReadOnlyList<EvidenceProblem> Check(string runId, RunHead? head, JsonObject? shown, string? seal, string? sealSignature, EvidencePublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        EvidenceProblem Problem(string message) => new(EvidenceProblemKind.IndexMismatch, $"run {runId}: {message}", runId);

        if (shown is null)
        {
            return [Problem("hidden from the search: no index row lists it")];
        }

        if (seal is null)
        {
            return [Problem("its index row is not signed, so what the search shows of it cannot be checked")];
        }

        if (!IndexSeal.TryParse(seal, out var signed, out var error) || !key.Verify(signed.ToCanonicalJson(), sealSignature) || seal != signed.ToCanonicalJson())
        {
            return [Problem($"its index row's signed copy does not verify ({error ?? "signature"}): the row was rewritten")];
        }

        if (signed.RunId != runId)
        {
            return [Problem($"its index row carries the signed index of run {signed.RunId}")];
        }

        var problems = new List<EvidenceProblem>();
        if (head is not null && signed.HeadHash != head.Hash && head.Final)
        {
            // Written with the head in one request: another head's copy is an older row put back (a run in progress may just have moved on).
            problems.Add(Problem("its index row was signed with another of its heads, not its final one: an older row put back"));
        }

        problems.AddRange(signed.Differences(shown).Select(d => Problem($"index row rewritten: '{d.Field}' is {d.Shown}, the signed index says {d.Signed}")));
        return problems;
    }
}
