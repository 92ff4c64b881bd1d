namespace DurableAgentOps.Benchmarks;

/// <summary>
/// The shape both sides run, kept in one place so they cannot drift: a governed run's four steps, a wait for an
/// approval event (with a timeout timer, as the real gate has), then the write. Payloads are short strings on
/// both sides so the comparison measures the engines, not serialization of different data.
/// </summary>
internal static class Shape
{
    public const string ApprovalEvent = "approval";
    public const string WaitingStatus = "waiting";
    public const string WriteStep = "write";
    public const string CompletedOutput = "completed";
    public const string TimedOutOutput = "timed-out";

    public static readonly string[] StepsBeforeApproval = ["read", "draft", "route", "notify"];

    /// <summary>Long enough never to fire during a measurement; it exists so both sides schedule the same timer.</summary>
    public static readonly TimeSpan ApprovalTimeout = TimeSpan.FromMinutes(5);

    public static string StepResult(string step) => step + " done";

    /// <summary>Both sides serialize custom status as a JSON string; compare the unquoted value.</summary>
    public static bool IsWaiting(string? serializedCustomStatus) =>
        serializedCustomStatus is not null && serializedCustomStatus.Trim('"') == WaitingStatus;
}
