using System.Text.Json;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Output;

/// <summary>
/// Prints a run's progress from successive status reads: each finished step once, each approval wait once, and the end.
/// Status reads repeat everything so far; this remembers what it already printed. A run its host started with governance
/// switched off says so first.
/// </summary>
internal sealed class RunProgressWriter(TextWriter writer, string runId)
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
            writer.WriteLine(WaitLine(wait, runId));
        }

        printedWait = waitKey;
    }

    public void Finish(RunStatusDto status)
    {
        Update(status);
        writer.WriteLine($"run {runId} {status.Status}: {status.Outcome ?? "no outcome"}");
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
        return $"  ✓ {step.StepId} ({KindName(step.Kind)}) as {step.Identity} [{step.ClientId}]: {step.Outcome}; touched {records}";
    }

    internal static string WaitLine(WaitingForDto wait, string runId)
    {
        var quorum = wait.Quorum > 1 ? $", quorum {wait.Quorum} ({wait.ApprovalsSoFar ?? 0} so far)" : string.Empty;
        return $"  ⏸ waiting for approval at gate {wait.Gate} (approvers: {string.Join(", ", wait.Approvers ?? [])}{quorum}, timeout {wait.Timeout}): " +
            $"run 'agentops approve {runId}'";
    }

    /// <summary>"read" whether the host wrote the kind as a name or as the enum's number.</summary>
    private static string KindName(JsonElement kind) => kind.ValueKind switch
    {
        JsonValueKind.String => kind.GetString()!.ToLowerInvariant(),
        JsonValueKind.Number when kind.TryGetInt32(out var n) && Enum.IsDefined((StepKind)n) => ((StepKind)n).ToString().ToLowerInvariant(),
        JsonValueKind.Undefined or JsonValueKind.Null => "step",
        _ => kind.GetRawText(),
    };
}
