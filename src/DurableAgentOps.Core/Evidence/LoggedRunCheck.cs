namespace DurableAgentOps.Core.Evidence;

/// <summary>A run's verification in the log: what `agentops verify &lt;run&gt;` and the host's report say.</summary>
public static class LoggedRunCheck
{
    /// <summary>
    /// One run against its signed head and the signed log (other runs of the log are not looked at). A non-final head
    /// newer than the log is a note, not a break: a run is logged at its start and its end. So is a run-start record
    /// that says governance was off (<see cref="RunGovernance"/>).
    /// </summary>
    public static RunVerification Verify(string runId, RunEvidence? evidence, IReadOnlyList<LogLeaf> leaves, TreeHead? tree, string? treeSignature, EvidencePublicKey key)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(key);
        var breaks = new List<EvidenceProblem>();
        var notes = new List<string>(evidence is null ? [] : [.. RunGovernance.Notes(evidence.Records), .. AdministratorActions.Notes(evidence.Records)]);
        PurgedRun? purged = null;
        if (tree is null)
        {
            breaks.Add(new EvidenceProblem(EvidenceProblemKind.TreeHeadMismatch, "the evidence log has no signed tree head", runId));
            if (evidence is not null)
            {
                breaks.AddRange(EvidenceVerifier.VerifyRun(evidence.Records, evidence.Head, evidence.HeadSignature, key, runId).Problems);
            }

            return new RunVerification(runId, breaks, notes);
        }

        var report = EvidenceVerifier.VerifyLog(leaves, tree, treeSignature, key, id => id == runId ? evidence : null);
        purged = report.Purged.FirstOrDefault(p => p.RunId == runId);
        foreach (var problem in report.Problems.Where(p => p.RunId is null || p.RunId == runId))
        {
            if (IsPendingLog(problem, evidence?.Head))
            {
                notes.Add($"run in progress: its latest head (seq {evidence!.Head!.LastSeq}) is signed but not yet in the log; it is logged when the run ends");
            }
            else
            {
                breaks.Add(problem);
            }
        }

        if (evidence is not null && leaves.All(l => l.RunId != runId))
        {
            // Logged at its start, so a run the log does not name at all was either never logged or had its leaf removed.
            breaks.AddRange(EvidenceVerifier.VerifyRun(evidence.Records, evidence.Head, evidence.HeadSignature, key, runId).Problems);
            breaks.Add(new EvidenceProblem(EvidenceProblemKind.LeafMismatch, $"run {runId} is in no leaf of the signed log", runId));
        }

        return new RunVerification(runId, breaks, notes, purged);
    }

    /// <summary>
    /// The whole log and every run it names (<paramref name="lookup"/>), and any run stored (<paramref name="storedRuns"/>)
    /// that no leaf names, which is a break: every run is logged at its start. Runs in progress are notes, as for one run,
    /// and so are runs started with governance off.
    /// </summary>
    public static (LogReport Report, IReadOnlyList<EvidenceProblem> Breaks, IReadOnlyList<string> Notes) VerifyAll(
        IReadOnlyList<LogLeaf> leaves, TreeHead tree, string? treeSignature, EvidencePublicKey key, Func<string, RunEvidence?> lookup, IEnumerable<string> storedRuns)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentNullException.ThrowIfNull(lookup);
        ArgumentNullException.ThrowIfNull(storedRuns);
        var report = EvidenceVerifier.VerifyLog(leaves, tree, treeSignature, key, lookup);
        var breaks = new List<EvidenceProblem>();
        var notes = new List<string>();
        foreach (var problem in report.Problems)
        {
            if (problem.RunId is { } id && IsPendingLog(problem, lookup(id)?.Head))
            {
                notes.Add($"run {id} is in progress: its latest head is not yet in the log");
            }
            else
            {
                breaks.Add(problem);
            }
        }

        var logged = leaves.Select(l => l.RunId).ToHashSet(StringComparer.Ordinal);
        foreach (var id in logged.Order(StringComparer.Ordinal))
        {
            if (lookup(id) is { } run && RunGovernance.Off(run.Records) is { Count: > 0 } off)
            {
                notes.Add($"run {id} was started with governance off: {string.Join(", ", off)}");
            }
        }

        breaks.AddRange(storedRuns.Distinct(StringComparer.Ordinal).Where(id => !logged.Contains(id))
            .Select(id => new EvidenceProblem(EvidenceProblemKind.LeafMismatch, $"run {id}: stored, but in no leaf of the signed log", id)));
        return (report, breaks, notes);
    }

    /// <summary>
    /// A run that has not ended is logged at its start and again at its end, not at each step: until then a head newer than
    /// its latest leaf is not a break (its records still verify against it, and its signature).
    /// </summary>
    public static bool IsPendingLog(EvidenceProblem problem, RunHead? head) =>
        problem.Kind is EvidenceProblemKind.NotLogged or EvidenceProblemKind.LeafMismatch && head is { Final: false };
}
