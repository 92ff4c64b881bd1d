using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Routing;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Diagnostics;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// The writer: it alone holds the writer identities, and it writes only what it can check for itself. An intent must
/// carry the intent key's signature and be fresh; the step must be a write of a separate-writer workflow in the pinned
/// definition the intent names, for this writer's identities environment; the calls are rebuilt here from the pinned
/// declarations and must hash to the approved digest; the gate is the one the definition sends this run to (its route
/// chosen again here), and its recorded decisions must hold no rejection and meet its quorum; the guard judges every
/// call; and the intent must be unused. Then it writes, under its own identity, whatever the caller does meanwhile.
/// </summary>
public sealed class WriterService(
    DefinitionStore definitions, DecisionStore decisions, WriteIntentStore intents, ChangeWriter writer, ClientIdResolver clientIds,
    WorkerInfo worker, TimeProvider time, IOptions<WriterOptions> options, IOptions<AgentOpsRunOptions> run, ILogger<WriterService> logger)
{
    /// <summary>
    /// The writer's answer to a signed intent, as an HTTP status and body: 200 and the step's output once the write is
    /// whole; 403 for a forged, altered, expired or unapproved intent and 409 for a used one (nothing written); 422 when
    /// the system or the guard refused a call and 502 when one failed, naming the calls made and not made.
    /// </summary>
    public async Task<(int Status, object Body)> AnswerAsync(SignedWriteIntent signed, CancellationToken cancellationToken)
    {
        try
        {
            return (200, await WriteAsync(signed, cancellationToken));
        }
        catch (WriteIntentRefusedException refused)
        {
            return (refused.Refusal == WriteIntentRefusal.Used ? 409 : 403, new WriterProblem("refused", refused.Message, refused.Refusal.ToString()));
        }
        catch (WriteIncompleteException incomplete)
        {
            var refusal = incomplete.InnerException is StepRefusedException or ScopeViolationException;
            return (refusal ? 422 : 502, new WriterProblem("incomplete", incomplete.InnerException?.Message ?? incomplete.Message, null,
                new WriteCalls(incomplete.Made, [incomplete.Failed], incomplete.NotSent), refusal));
        }
        catch (Exception ex) when (ex is StepRefusedException or ScopeViolationException)
        {
            return (422, new WriterProblem("refused", ex.Message, Refused: true));
        }
    }

    private async Task<WriterAnswer> WriteAsync(SignedWriteIntent signed, CancellationToken cancellationToken)
    {
        var intent = WriteIntentSeal.Open(signed, options.Value.Key ?? throw new InvalidOperationException($"{WriterOptions.Section}:IntentKey is not set"));
        var age = time.GetUtcNow() - intent.IssuedAt;
        if (age > options.Value.IntentLifetime || age < -TimeSpan.FromMinutes(1))
        {
            throw Refuse(intent, WriteIntentRefusal.Expired, $"issued at {intent.IssuedAt:u}, outside the {options.Value.IntentLifetime} an intent is usable");
        }

        var snapshot = await LoadAsync(intent, cancellationToken);
        var (input, calls) = Rebuild(intent, snapshot);
        if (input.Identity.IsDelegated)
        {
            // The writer holds no person's session: a write made as a person is made by the main app or not at all.
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"identity {input.Identity.Name} acts for the person who started the run, and the writer acts for nobody");
        }

        var digest = WriteChange.Digest(calls);
        if (intent.ChangeDigest != digest)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"the calls built from the intent hash to {digest[..12]}…, not to the change it names ({Short(intent.ChangeDigest)})");
        }

        await CheckDecisionsAsync(intent, input, snapshot.Definition, digest, cancellationToken);
        foreach (var call in calls)
        {
            // The writer's own guard: not switchable, whatever the main app's settings say.
            ScopeGuard.Check(input.Step, input.Identity, call.Operation, call.Record, call.Fields);
        }

        if (await intents.BeginAsync(intent, signed.Signature, digest, cancellationToken) is { } recorded)
        {
            // The step tried again after the main app lost the answer: the write is whole, so it is told so, and nothing is sent.
            logger.WriteAlreadyMade(intent.RunId, intent.StepId);
            return recorded;
        }

        // Once begun, the write is finished whatever happens to the request: a call cut off half way helps nobody.
        logger.WriteIntentAccepted(intent.RunId, intent.StepId, input.Identity.Name, digest[..12]);
        var output = await writer.WriteAsync(intent.RunId, intent.StepId, input.ClientId, calls, CancellationToken.None);
        var answer = new WriterAnswer(output, [.. calls.Select(c => c.Operation)], [.. calls.Select(c => c.Record!.Id).Distinct(StringComparer.Ordinal)],
            input.ClientId, worker.WorkerId);
        await intents.MarkUsedAsync(intent, signed.Signature, answer, CancellationToken.None);
        return answer;
    }

    private async Task<WorkflowSnapshot> LoadAsync(WriteIntent intent, CancellationToken cancellationToken)
    {
        try
        {
            return await definitions.LoadAsync(intent.Workflow, intent.DefinitionSha256, cancellationToken);
        }
        catch (DefinitionRefusedException ex)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"definition {intent.Workflow}@{Short(intent.DefinitionSha256)}: {ex.Message}");
        }
    }

    /// <summary>The step as the pinned definition has it, with the intent's data, and the calls built from it here.</summary>
    private (StepInvocation Input, IReadOnlyList<SystemCall> Calls) Rebuild(WriteIntent intent, WorkflowSnapshot snapshot)
    {
        var definition = snapshot.Definition;
        if (definition.Isolation != Isolation.SeparateWriter)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"workflow {definition.Name} declares isolation shared-app: its writes are not the writer's");
        }

        if (definition.FindStep(intent.StepId) is not { Kind: StepKind.Write } step)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"'{intent.StepId}' is not a write step of {definition.Name}");
        }

        var identity = snapshot.Identities.First(i => i.Name == step.Identity);
        if (identity.App != IdentityApp.Writer)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"identity '{identity.Name}' is not attached to the writer (app: writer)");
        }

        // The client id comes from this writer's own identities environment, never from the intent's say.
        var environment = run.Value.Environment;
        if (intent.Environment != environment || !identity.ClientIds.TryGetValue(environment, out var clientId))
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"the intent is for identities environment '{intent.Environment}'; this writer's is '{environment}'");
        }

        var input = new StepInvocation(intent.RunId, definition.Name, step, identity, clientIds.Resolve(clientId), intent.Data, intent.ChangeDigest,
            RedactPaths: snapshot.RedactPathsFor(step), Declarations: snapshot.DeclarationsFor(step));
        try
        {
            return (input, WriteChange.BuildCalls(input));
        }
        catch (Exception ex) when (ex is StepRefusedException or ScopeViolationException or InvalidOperationException)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, "the calls cannot be built from the intent's data");
        }
    }

    /// <summary>
    /// The change is the one approved at the gate this run had to pass: the gate the step names, or the one its route
    /// chooses over the same data (chosen again here), or a gate it escalates to. The decisions the intent names are
    /// read back: approvals of this step's change recorded by the approval service; those at that gate are counted as
    /// the gate counts them (distinct people, never the initiator) and must meet its quorum, and no rejection may be
    /// recorded there.
    /// </summary>
    private async Task CheckDecisionsAsync(WriteIntent intent, StepInvocation input, WorkflowDefinition definition, string digest, CancellationToken cancellationToken)
    {
        var gates = GatesOf(intent, input.Step, definition);
        var recorded = await decisions.DecisionsOfAsync(intent.RunId, input.Step.Id, cancellationToken);
        var named = new List<RecordedDecision>();
        foreach (var id in intent.DecisionIds.Distinct(StringComparer.Ordinal))
        {
            named.Add(recorded.FirstOrDefault(d => d.DecisionId == id) is { Approved: true } decision && decision.ChangeDigest == digest
                ? decision
                : throw Refuse(intent, WriteIntentRefusal.NotApproved, $"decision {id} is not a recorded approval of this change at step '{input.Step.Id}'"));
        }

        foreach (var gate in gates)
        {
            if (recorded.FirstOrDefault(d => d.Gate == gate && !d.Approved) is { } rejection)
            {
                throw Refuse(intent, WriteIntentRefusal.NotApproved, $"gate '{gate}' holds a rejection ({rejection.DecisionId})");
            }

            var tally = new GateTally(definition.FindGate(gate)!, intent.InitiatorId);
            foreach (var decision in named.Where(d => d.Gate == gate))
            {
                if (tally.Count(decision.PrincipalId, approved: true) is var verdict && verdict != TallyVerdict.Counted)
                {
                    throw Refuse(intent, WriteIntentRefusal.NotApproved, $"decision {decision.DecisionId}: {GateTally.Describe(verdict)}");
                }
            }

            if (tally.QuorumReached)
            {
                return;
            }
        }

        throw Refuse(intent, WriteIntentRefusal.NotApproved, named.Count == 0
            ? "it names no approval: the writer writes only approved changes"
            : $"no gate this run could pass ({string.Join(", ", gates)}) has the approvals its quorum needs");
    }

    /// <summary>The gate the run had to pass, then the gates it escalates to, in order.</summary>
    private List<string> GatesOf(WriteIntent intent, StepDefinition step, WorkflowDefinition definition)
    {
        string? first;
        try
        {
            first = step.Approval.Mode switch
            {
                ApprovalMode.Gate => step.Approval.Gate,
                ApprovalMode.Routed => Router.Choose(definition.FindStep(step.Approval.RouteStep!)!, intent.Data).Gate,
                _ => null,
            };
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"the route of step '{step.Approval.RouteStep}' cannot be chosen from the intent's data");
        }

        var gates = new List<string>();
        for (var gate = first is null ? null : definition.FindGate(first); gate is not null && !gates.Contains(gate.Id); gate = gate.Escalation?.To is { } to ? definition.FindGate(to) : null)
        {
            gates.Add(gate.Id);
        }

        return gates.Count > 0 ? gates : throw Refuse(intent, WriteIntentRefusal.NotApproved, $"step '{step.Id}' passes no gate: the writer writes only approved changes");
    }

    private WriteIntentRefusedException Refuse(WriteIntent intent, WriteIntentRefusal refusal, string reason)
    {
        logger.WriteIntentRefused(intent.RunId, intent.StepId, refusal.ToString(), reason);
        return new WriteIntentRefusedException(refusal, reason);
    }

    private static string Short(string? digest) => digest is null ? "none" : digest[..Math.Min(12, digest.Length)] + "…";
}
