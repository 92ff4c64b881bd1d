using System.Diagnostics;
using System.Diagnostics.Metrics;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Telemetry;

/// <summary>
/// The Runtime's one trace source and one meter, and their instruments (docs/ARCHITECTURE.md, "Telemetry"); which
/// exporters see them is the hosts' choice (the Api's <c>AddAgentOpsTelemetry</c>). Attribute values are names, ids,
/// kinds, counts and outcomes only: never an input value, a step's data, a prompt, a body, a token, a link or a URL,
/// because a trace backend keeps them beyond the product's redaction and retention.
/// </summary>
public static class RuntimeTelemetry
{
    /// <summary>The Runtime's spans.</summary>
    public const string SourceName = "DurableAgentOps.Runtime";

    /// <summary>The Runtime's metrics.</summary>
    public const string MeterName = "DurableAgentOps";

    /// <summary>
    /// The durable engine's own sources: DTFx (<c>DurableTask.Core</c>, the standalone engine: the orchestration under
    /// the run's span, each activity under it) and the Durable Task SDK's worker (<c>Microsoft.DurableTask</c>).
    /// </summary>
    public static readonly IReadOnlyList<string> DurableTaskSourceNames = ["DurableTask.Core", "Microsoft.DurableTask"];

    /// <summary>The orchestration tag that carries the run span's W3C <c>traceparent</c>: later spans of the run (a decision, its gate wait) join its trace.</summary>
    internal const string TraceParentTag = "traceparent";

    internal static readonly ActivitySource Source = new(SourceName);
    internal static readonly Meter Meter = new(MeterName);

    // Span names (one constant each: the docs table is checked against these).
    internal const string RunSpan = "agentops.run";
    internal const string StepSpan = "agentops.step";
    internal const string SystemCallSpan = "agentops.system.call";
    internal const string PrepareSpan = "agentops.gate.prepare";
    internal const string NotifySpan = "agentops.gate.notify";
    internal const string DecisionSpan = "agentops.gate.decision";
    internal const string WaitSpan = "agentops.gate.wait";
    internal const string VerifySpan = "agentops.gate.verify";
    internal const string EvidenceSpan = "agentops.evidence.append";

    internal static readonly Counter<long> RunsStarted = Meter.CreateCounter<long>("agentops.runs.started", "{run}", "Runs started, by workflow.");
    internal static readonly Counter<long> RunsCompleted = Meter.CreateCounter<long>("agentops.runs.completed", "{run}",
        "Runs that ended without a failure (completed, rejected, cancelled, timed-out), by workflow and outcome.");
    internal static readonly Counter<long> RunsFailed = Meter.CreateCounter<long>("agentops.runs.failed", "{run}",
        "Runs that failed or were refused, by workflow, outcome and the step they stopped at.");
    internal static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("agentops.step.duration", "s",
        "One step activity (read, draft, route, write), by workflow, step kind and outcome.");
    internal static readonly Histogram<double> ApprovalWait = Meter.CreateHistogram<double>("agentops.approval.wait", "s",
        "From a gate opening to a decision recorded on it, by workflow, gate and decision.");
    internal static readonly Counter<long> ScopeRefusals = Meter.CreateCounter<long>("agentops.scope.refusals", "{call}",
        "Calls the scope guard refused before they left the process, by workflow, step kind, identity and operation.");
    internal static readonly Counter<long> EvidenceAppends = Meter.CreateCounter<long>("agentops.evidence.appends", "{append}",
        "Evidence appends to the ledger (a batch of records and the run's signed head), by whether the run ended with it and outcome.");
    internal static readonly Counter<long> EvidenceRecords = Meter.CreateCounter<long>("agentops.evidence.records", "{record}",
        "Evidence records appended to the ledger.");
    internal static readonly Histogram<double> SystemCallDuration = Meter.CreateHistogram<double>("agentops.system.call.duration", "s",
        "One call to a business system, its retries included, by system, operation and status.");

    /// <summary>The step's span, under the current one (on the engine: the step activity's own span, inside the run's trace).</summary>
    internal static Activity? StartStep(string name, StepInvocation input)
    {
        var span = Source.StartActivity(name);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(TelemetryTags.RunId, input.RunId);
            span.SetTag(TelemetryTags.Workflow, input.Workflow);
            span.SetTag(TelemetryTags.StepId, input.Step.Id);
            span.SetTag(TelemetryTags.StepKind, Kind(input));
            span.SetTag(TelemetryTags.Identity, input.Identity.Name);
            span.SetTag(TelemetryTags.ClientId, input.ClientId);
        }

        return span;
    }

    /// <summary>A call the scope guard refused: counted, then the refusal goes on as it was.</summary>
    internal static void ScopeRefused(StepInvocation input, string operation) => ScopeRefusals.Add(1,
        new(TelemetryTags.Workflow, input.Workflow), new(TelemetryTags.StepKind, Kind(input)), new(TelemetryTags.Identity, input.Identity.Name),
        new(TelemetryTags.Operation, operation));

    /// <summary>
    /// The run's end, once: from the orchestration's last, non-replayed episode (counting is neither I/O nor a clock,
    /// and a replay never counts again).
    /// </summary>
    internal static void RunEnded(bool replaying, string workflow, string outcome, string? step)
    {
        if (replaying)
        {
            return;
        }

        if (step is null)
        {
            RunsCompleted.Add(1, new(TelemetryTags.Workflow, workflow), new(TelemetryTags.RunOutcome, outcome));
        }
        else
        {
            RunsFailed.Add(1, new(TelemetryTags.Workflow, workflow), new(TelemetryTags.RunOutcome, outcome), new(TelemetryTags.StepId, step));
        }
    }

    /// <summary>The run's span context from its <see cref="TraceParentTag"/>, or default (a new trace) when it has none or it does not parse.</summary>
    internal static ActivityContext RunContext(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;

    /// <summary>The span's outcome for an exception: its type's name only; messages can quote a system's answer or a value.</summary>
    internal static void Fail(Activity? span, Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        span?.SetTag(TelemetryTags.ErrorType, error.GetType().FullName);
        span?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
    }

    /// <summary>A refusal (scope guard, a system's 400/401/403/404, a rule) is told apart from a fault by its exception type.</summary>
    internal static string OutcomeOf(Exception error) =>
        error is StepRefusedException or Core.Scope.ScopeViolationException ? "refused" : "failed";

    private static string Kind(StepInvocation input) => input.Step.Kind.ToString().ToLowerInvariant();
}
