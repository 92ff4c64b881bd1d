namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// Whether today's code ends the run as the recorded run ended, and if not, exactly what differs: the status, the run
/// result's own outcome, the result (by digest; a recording without one compares the outcome only) or the failure (the
/// engine records a run's failure as its message, so types are compared only where both are known).
/// </summary>
internal static class OutcomeCheck
{
    /// <summary>What differs, in words; null when the run ends as recorded.</summary>
    public static string? Difference(RecordedOutcome recorded, RecordedOutcome today)
    {
        if (recorded.Status != today.Status)
        {
            return $"the run ends otherwise today: {today.Describe()} (recorded: {recorded.Describe()})";
        }

        return recorded.Status switch
        {
            RecordedOutcome.Completed => Completed(recorded, today),
            RecordedOutcome.Failed => Failed(recorded.Failure, today.Failure),
            _ => null,
        };
    }

    private static string? Completed(RecordedOutcome recorded, RecordedOutcome today)
    {
        var outcome = recorded.OutcomeOfResult();
        if (outcome is not null && !string.Equals(outcome, today.OutcomeOfResult(), StringComparison.Ordinal))
        {
            return $"the run's outcome differs: today's code completes it '{today.OutcomeOfResult() ?? "(none)"}', the recorded run completed it '{outcome}'";
        }

        return recorded.Output is not null && ReplayJson.Digest(recorded.Output) != ReplayJson.Digest(today.Output)
            ? $"today's code ends the run with the recorded outcome ({today.Describe()}), but another result: its digest differs"
            : null;
    }

    private static string? Failed(RecordedFailure? recorded, RecordedFailure? today)
    {
        if (recorded?.Message != today?.Message)
        {
            return $"the run fails as recorded, but for another reason: today '{today?.Message}', recorded '{recorded?.Message}'";
        }

        return string.IsNullOrEmpty(recorded?.Type) || string.IsNullOrEmpty(today?.Type) || recorded.Type == today.Type
            ? null
            : $"the run fails for the recorded reason, but with another failure type: today {today.Type}, recorded {recorded.Type}";
    }
}
