using System.Text.Json;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Output;

/// <summary>
/// Prints a run's progress from successive status reads: each finished step once, each approval wait once, and the end.
/// Status reads repeat everything so far; this remembers what it already printed. A run its host started with governance
/// switched off says so first.
/// </summary>
internal sealed class RunProgressWriter(TextWriter writer, string runId, string runPage)
{
    private readonly HashSet<string> printedSteps = new(StringComparer.Ordinal);
    private string? printedWait;
    private bool printedGovernance;

    public void Update(RunStatusDto status)
    {
        if (!printedGovernance && status.GovernanceOff is { Count: > 0 } off)
        {
            // Said before any step: what follows ran without it.
            writer.WriteLine($"  ! governance OFF on the host that started this run: {string.Join(", ", off)}");
            printedGovernance = true;
        }

        foreach (var step in status.Steps ?? [])
        {
            if (printedSteps.Add(step.StepId ?? string.Empty))
            {
                writer.WriteLine(StepLine(step));
            }
        }

        var wait = status.WaitingFor;
        var waitKey = wait is null ? null : $"{wait.StepId}/{wait.Gate}";
        if (wait is not null && waitKey != printedWait)
        {
            writer.WriteLine(WaitLine(wait, runPage));
        }

        printedWait = waitKey;
    }

    public void Finish(RunStatusDto status)
    {
        Update(status);
        writer.WriteLine($"run {runId} finished: {status.Outcome ?? status.Status?.ToLowerInvariant() ?? "unknown"}");
        if (status.Failure is { } failure)
        {
            writer.WriteLine($"failure.step: {failure.Step}");
            writer.WriteLine($"failure.identity: {failure.Identity}");
            writer.WriteLine($"failure.reason: {failure.Reason}");
        }
    }

    internal static string StepLine(StepDto step)
    {
        var records = step.Records is { Count: > 0 } touched ? string.Join(", ", touched) : "nothing";
        // A delegated step acted as the person, through the identity's app: say both, as the system saw them.
        var who = step.ActedFor is { } acted
            ? $"as {acted.SubjectName} ({acted.SubjectId}) through {step.Identity} [{acted.ActorClientId}]"
            : $"as {step.Identity} [{step.ClientId}]";
        return $"  ✓ {step.StepId} ({KindName(step.Kind)}) {who}: {step.Outcome}; touched {records}";
    }

    /// <summary>
    /// Who is asked at which gate, and where the starter follows the run: not "run agentops approve", which she may not
    /// (the gate's approvers decide from their mail, their Teams card or with agentops approve).
    /// </summary>
    internal static string WaitLine(WaitingForDto wait, string runPage)
    {
        var quorum = wait.Quorum > 1 ? $", {wait.ApprovalsSoFar ?? 0} of {wait.Quorum} approvals so far" : string.Empty;
        return $"  ⏸ waiting for approval at gate {wait.Gate}: asked {Asked(wait.Approvers)}{quorum}, timeout {wait.Timeout}; follow it at {runPage}";
    }

    /// <summary>"group:emea-sales-managers" as "members of emea-sales-managers", "person:x@y" as "x@y".</summary>
    private static string Asked(IReadOnlyList<string>? approvers) =>
        approvers is not { Count: > 0 }
            ? "(the host did not say)"
            : string.Join(", ", approvers.Select(a => a.Split(':', 2) switch
            {
                ["group", var name] => $"members of {name}",
                ["person", var name] => name,
                _ => a,
            }));

    /// <summary>"read" whether the host wrote the kind as a name or as the enum's number.</summary>
    private static string KindName(JsonElement kind) => kind.ValueKind switch
    {
        JsonValueKind.String => kind.GetString()!.ToLowerInvariant(),
        JsonValueKind.Number when kind.TryGetInt32(out var n) && Enum.IsDefined((StepKind)n) => ((StepKind)n).ToString().ToLowerInvariant(),
        JsonValueKind.Undefined or JsonValueKind.Null => "step",
        _ => kind.GetRawText(),
    };
}
