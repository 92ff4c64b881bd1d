using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Validation;

namespace DurableAgentOps.Core.Explain;

/// <summary>Turns a valid definition and its catalogue into the answers a reviewer reads (rendering is the CLI's job).</summary>
public static class WorkflowExplainer
{
    public const string NotSet = "(not set)";

    /// <summary>What every run's ledger holds, whatever the file says.</summary>
    public const string LedgerSummary =
        "a signed, hash-chained record of the run's start (definition SHA-256, input digest, initiator), each step (identity, client id, declared and granted scope, "
        + "records, digests), each approval request, notice, decision and refusal, and its end; it outlives the Durable history; retention is enforced by purge; "
        + "redacted values are sealed and stand as digests";

    /// <summary>
    /// The explanation of a workflow; with <paramref name="host"/> (what a running host answered at <c>GET /api/host</c>),
    /// the scope of every read and write (the steps the scope guard checks), the isolation that rests on it, and the evidence are
    /// marked as not enforced when that host's switches are off. Without it, what the code enforces on any host.
    /// </summary>
    public static WorkflowExplanation Explain(
        WorkflowDefinition workflow, IdentityCatalogue catalogue, string environment = IdentityCatalogue.LocalEnvironment, HostGovernance? host = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(catalogue);
        var guard = host is { ScopeGuard: false }
            ? Enforcement.DeclaredOnly($"this host's scope guard is off ({GovernanceSwitches.ScopeGuardSetting}=false, {host.Environment} host): calls leave unchecked, only the target system checks the token")
            : Enforcement.ByThisHost;
        var steps = workflow.Steps.Select((step, i) => ExplainStep(workflow, catalogue, environment, step, i + 1, guard, host)).ToList();
        var gates = workflow.Gates.Select(ExplainGate).ToList();
        var isolation = workflow.Isolation == Isolation.SeparateWriter
            ? new IsolationExplanation("separate-writer", SeparateWriterSummary(workflow), host is { SeparateWriter: false }
                ? Enforcement.DeclaredOnly($"this host has no writer ({WriterUrlSetting}), so it refuses this workflow's writes")
                : Enforcement.ByThisHost)
            : new IsolationExplanation("shared-app", "shared-app: all identities are attached to one app, so per-step identities are a policy boundary enforced by the scope guard, not a process boundary", guard);
        var evidence = host is { Evidence: false }
            ? Enforcement.DeclaredOnly($"evidence is off on this host ({GovernanceSwitches.EvidenceSetting}=false, {host.Environment} host): a run records its start only")
            : Enforcement.ByThisHost;
        return new WorkflowExplanation(
            workflow.Name,
            workflow.Version,
            workflow.Owner,
            workflow.Description,
            environment,
            isolation,
            steps,
            gates,
            new EvidenceExplanation(workflow.Evidence.Retention, workflow.Evidence.Keep, Redaction.Paths(workflow, catalogue.Declarations), evidence, LedgerSummary,
                EvidencePolicy.AllKinds.All(workflow.Evidence.Keep.Contains)
                    ? Enforcement.ByThisHost
                    : Enforcement.DeclaredOnly("the ledger keeps every kind of record; keep cannot narrow it"),
                workflow.Evidence.KeepInClear ?? []),
            ExplainStarters(workflow),
            workflow.Input.Select(f => new InputExplanation(f.Name, f.Type, f.Required, f.Pattern, f.StringLimit, f.Description)).ToList(),
            host);
    }

    /// <summary>The main app's setting that names the writer.</summary>
    public const string WriterUrlSetting = "AgentOps:Writer:Url";

    private static string SeparateWriterSummary(WorkflowDefinition workflow)
    {
        var writers = workflow.Steps.Where(s => s.Kind == StepKind.Write).Select(s => s.Identity).Distinct(StringComparer.Ordinal).ToList();
        return $"separate-writer: write steps run in the writer, a separate app that alone holds {string.Join(", ", writers)}; "
            + "the main app hands it a signed intent, cannot get those identities' tokens, and the writer writes only a change it finds approved";
    }

    private static StartersExplanation ExplainStarters(WorkflowDefinition workflow)
    {
        var allowed = workflow.Starters.Select(Describe).ToList();
        return new StartersExplanation(allowed, allowed.Count == 0
            ? $"anyone holding the {AppRoles.Starter} role"
            : $"holders of {AppRoles.Starter} who are also one of: {string.Join(", ", allowed)}");
    }

    private static StepExplanation ExplainStep(
        WorkflowDefinition workflow, IdentityCatalogue catalogue, string environment, StepDefinition step, int number, Enforcement guard, HostGovernance? host)
    {
        var identity = catalogue.Find(step.Identity);
        var clientId = identity?.ClientIds.GetValueOrDefault(environment) ?? NotSet;
        var records = step.Scope.Records.Select(r => $"{r.Key}: {string.Join(", ", r.Value)}").ToList();
        if (records.Count == 0 && step.System is not null && catalogue.FindSystem(step.System)?.Kind == SystemKind.Business)
        {
            records.Add("all records");
        }

        var (automatic, approval, gates) = DescribeApproval(workflow, step);
        var delegated = identity is { IsDelegated: true } ? DescribeDelegation(step, clientId, GuardsCalls(step) ? guard : Enforcement.ByThisHost) : null;
        if (delegated is not null && host is { ActsForPeople: false })
        {
            delegated += $"; not on this host: it is not set up to act for people ({DelegationSetting}), so it refuses to start this workflow";
        }
        if (delegated is not null && step.Kind == StepKind.Write)
        {
            approval += $"\nthe change is made as {MadeAs}";
        }

        var calls = step.Scope.Operations.Select(op => catalogue.FindOperation(op) is { } declared ? $"{op}: {declared.Describe()}" : null).OfType<string>().ToList();
        return new StepExplanation(number, step.Id, step.Kind, step.Identity, clientId, step.System, step.Operation,
            step.Scope.Operations, records, step.Scope.Fields, automatic, approval, gates, GuardsCalls(step) ? guard : Enforcement.ByThisHost,
            calls.Count > 0 ? calls : null, delegated is null ? null : identity!.ActsFor.ToString().ToLowerInvariant(), delegated);
    }

    /// <summary>The host's settings that let it act for people (on-behalf-of).</summary>
    public const string DelegationSetting = "AgentOps:Delegation";

    /// <summary>Whom a delegated write is made as, in the approval column.</summary>
    public const string MadeAs = "the person who started the run (delegated: in their name, within their own rights)";

    /// <summary>
    /// "acts for the initiator (delegated) via app &lt;client id&gt;, limited to &lt;scope&gt; and to what the person may do in
    /// &lt;system&gt;": the effective scope is the intersection of the declared scope (checked by the guard, judging the record
    /// whole before the call) and the person's own rights (checked by the system from the token). With the guard off,
    /// only the second holds, and the line says so.
    /// </summary>
    private static string DescribeDelegation(StepDefinition step, string clientId, Enforcement guard)
    {
        var scope = string.Join(", ", step.Scope.Operations)
            + (step.Scope.Records.Count > 0 ? $" on {string.Join("; ", step.Scope.Records.Select(r => $"{r.Key}: {string.Join(", ", r.Value)}"))}" : string.Empty)
            + (step.Scope.Fields.Count > 0 ? $" (fields {string.Join(", ", step.Scope.Fields)})" : string.Empty);
        var person = $"what the person may do in {step.System ?? NotSet}";
        var head = $"acts for the initiator (delegated) via app {clientId}";
        return guard.Enforced
            ? $"{head}, limited to {scope} and to {person}"
            : $"{head}, limited to {person} (its declared scope, {scope}: {Enforcement.NotEnforced})";
    }

    /// <summary>Reads and writes call systems through the scope guard; draft and route steps never pass it.</summary>
    private static bool GuardsCalls(StepDefinition step) => step.System is not null && step.Kind is StepKind.Read or StepKind.Write;

    private static (bool Automatic, string Summary, IReadOnlyList<string> Gates) DescribeApproval(WorkflowDefinition workflow, StepDefinition step)
    {
        var approval = step.Approval;
        switch (approval.Mode)
        {
            case ApprovalMode.None:
                return (true, $"no approval: {approval.Justification}", []);
            case ApprovalMode.Gate when approval.When is not null:
                return (false, $"when {approval.When}: {GateSummary(workflow, approval.Gate!)}; automatic otherwise", [approval.Gate!]);
            case ApprovalMode.Gate:
                return (false, GateSummary(workflow, approval.Gate!), [approval.Gate!]);
            case ApprovalMode.Routed:
                var routes = workflow.FindStep(approval.RouteStep!)?.Routes ?? [];
                var parts = routes.Select(r => $"\n- {r.When ?? "otherwise"} -> {GateSummary(workflow, r.Gate ?? NotSet)}");
                var gateIds = routes.Select(r => r.Gate).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
                var condition = approval.When is null ? string.Empty : $" when {approval.When}, automatic otherwise";
                return (false, $"by route {approval.RouteStep}{condition}:{string.Concat(parts)}", gateIds);
            default:
                return (true, step.Kind == StepKind.Write ? "no approval declared" : "changes nothing", []);
        }
    }

    private static string GateSummary(WorkflowDefinition workflow, string gateId) =>
        workflow.FindGate(gateId) is { } gate
            ? $"{gate.Id} ({gate.Quorum} of {string.Join(", ", gate.Approvers.Select(Describe))}; timeout {gate.Timeout})"
            : gateId;

    private static GateExplanation ExplainGate(GateDefinition gate)
    {
        // The orchestrator escalates at escalation.after when that comes before the timeout, and at the timeout when
        // onTimeout is escalate; an 'after' at or past the timeout of a gate that rejects or cancels never happens.
        var early = gate.Escalation is { } e && IsoDuration.TryParse(e.After, out var after) && IsoDuration.TryParse(gate.Timeout, out var timeout) && after < timeout;
        var escalates = gate.Escalation is null || early || gate.OnTimeout == TimeoutAction.Escalate
            ? Enforcement.ByThisHost
            : Enforcement.DeclaredOnly($"escalation.after is not before the timeout, and at the timeout this gate's onTimeout is {OnTimeout(gate)}");
        return new GateExplanation(
            gate.Id,
            gate.Approvers.Select(Describe).ToList(),
            gate.Quorum,
            gate.Timeout,
            gate.Channels,
            gate.Reminders,
            gate.Escalation?.To,
            gate.Escalation?.After,
            gate.SeparationOfDuties,
            OnTimeout(gate),
            Enforcement.ByThisHost,
            Enforcement.ByThisHost,
            escalates,
            escalates);
    }

    private static string OnTimeout(GateDefinition gate) => gate.OnTimeout.ToString().ToLowerInvariant();

    public static string Describe(Approver approver) =>
        approver.Kind == ApproverKind.Group ? $"group {approver.Name}" : $"person {approver.Name}";

    public static string Describe(Starter starter) => $"{starter.Kind.ToString().ToLowerInvariant()} {starter.Name}";
}
