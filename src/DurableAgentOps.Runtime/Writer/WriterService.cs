using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Model;
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
/// definition the intent names; the calls are rebuilt here from the pinned declarations and must hash to the approved
/// digest; the decisions must be recorded by the approval service for that change and meet the gate's quorum; the
/// guard judges every call; and the intent must be unused. Then it writes, under its own identity.
/// </summary>
public sealed class WriterService(
    DefinitionStore definitions, DecisionStore decisions, WriteIntentStore intents, ChangeWriter writer, ClientIdResolver clientIds,
    WorkerInfo worker, TimeProvider time, IOptions<WriterOptions> options, ILogger<WriterService> logger)
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
            return (422, new WriterProblem("refused", ex.Message, WriteIntentRefusal.NotApproved.ToString(), SystemRefused: true));
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

        var (input, calls) = await RebuildAsync(intent, cancellationToken);
        var digest = WriteChange.Digest(calls);
        await CheckDecisionsAsync(intent, input, digest, cancellationToken);
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

        logger.WriteIntentAccepted(intent.RunId, intent.StepId, input.Identity.Name, digest[..12]);
        var output = await writer.WriteAsync(intent.RunId, intent.StepId, input.ClientId, calls, cancellationToken);
        var answer = new WriterAnswer(output, [.. calls.Select(c => c.Operation)], [.. calls.Select(c => c.Record!.Id).Distinct(StringComparer.Ordinal)], worker.WorkerId);
        await intents.MarkUsedAsync(intent, signed.Signature, answer, cancellationToken);
        return answer;
    }

    /// <summary>The step as the pinned definition has it, with the intent's data, and the calls built from it here.</summary>
    private async Task<(StepInvocation Input, IReadOnlyList<SystemCall> Calls)> RebuildAsync(WriteIntent intent, CancellationToken cancellationToken)
    {
        WorkflowSnapshot snapshot;
        try
        {
            snapshot = await definitions.LoadAsync(intent.Workflow, intent.DefinitionSha256, cancellationToken);
        }
        catch (DefinitionRefusedException ex)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"definition {intent.Workflow}@{intent.DefinitionSha256[..Math.Min(12, intent.DefinitionSha256.Length)]}: {ex.Message}");
        }

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

        if (!identity.ClientIds.TryGetValue(intent.Environment, out var clientId))
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"identity '{identity.Name}' has no client id for environment '{intent.Environment}'");
        }

        var input = new StepInvocation(intent.RunId, definition.Name, step, identity, clientIds.Resolve(clientId), intent.Data, intent.ChangeDigest,
            RedactPaths: snapshot.RedactPathsFor(step), Declarations: snapshot.DeclarationsFor(step));
        try
        {
            return (input, WriteChange.BuildCalls(input));
        }
        catch (Exception ex) when (ex is StepRefusedException or ScopeViolationException or InvalidOperationException)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"the calls cannot be built from the intent's data: {ex.Message}");
        }
    }

    /// <summary>
    /// The change the calls make is the one approved: the decisions the intent names are recorded, approvals of this
    /// step's change at one gate the step can wait at, counted as the gate counts them (distinct people, never the
    /// initiator), and enough for its quorum.
    /// </summary>
    private async Task CheckDecisionsAsync(WriteIntent intent, StepInvocation input, string digest, CancellationToken cancellationToken)
    {
        if (intent.ChangeDigest != digest)
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved, $"the calls built from the intent hash to {digest[..12]}…, not to the change it names ({Short(intent.ChangeDigest)})");
        }

        var definition = (await definitions.LoadAsync(intent.Workflow, intent.DefinitionSha256, cancellationToken)).Definition;
        var gates = GatesOf(input.Step, definition);
        GateTally? tally = null;
        foreach (var id in intent.DecisionIds.Distinct(StringComparer.Ordinal))
        {
            var decision = await decisions.GetAsync(intent.RunId, id, cancellationToken);
            if (decision is not { Refused: null, Approved: true } || decision.StepId != input.Step.Id || decision.ChangeDigest != digest)
            {
                throw Refuse(intent, WriteIntentRefusal.NotApproved, $"decision {id} is not a recorded approval of this change at step '{input.Step.Id}'");
            }

            if (!gates.Contains(decision.Gate, StringComparer.Ordinal) || (tally is not null && tally.Gate.Id != decision.Gate))
            {
                throw Refuse(intent, WriteIntentRefusal.NotApproved, $"decision {id} is at gate '{decision.Gate}', not one gate of step '{input.Step.Id}' ({string.Join(", ", gates)})");
            }

            tally ??= new GateTally(definition.FindGate(decision.Gate)!, intent.InitiatorId);
            if (tally.Count(decision.PrincipalId, approved: true) is var verdict && verdict != TallyVerdict.Counted)
            {
                throw Refuse(intent, WriteIntentRefusal.NotApproved, $"decision {id}: {GateTally.Describe(verdict)}");
            }
        }

        if (tally is not { QuorumReached: true })
        {
            throw Refuse(intent, WriteIntentRefusal.NotApproved,
                tally is null ? "it names no approval: the writer writes only approved changes" : $"{tally.Approvals} of the {tally.Gate.Quorum} approvals gate '{tally.Gate.Id}' needs");
        }
    }

    /// <summary>The gates a write step can wait at: its own or its route's, and the gates they escalate to.</summary>
    private static List<string> GatesOf(StepDefinition step, WorkflowDefinition definition)
    {
        var first = step.Approval.Mode switch
        {
            ApprovalMode.Gate => [step.Approval.Gate!],
            ApprovalMode.Routed => definition.FindStep(step.Approval.RouteStep!)?.Routes.Select(r => r.Gate).OfType<string>() ?? [],
            _ => Enumerable.Empty<string>(),
        };
        var gates = new List<string>();
        var next = new Queue<string>(first);
        while (next.TryDequeue(out var id))
        {
            if (!gates.Contains(id, StringComparer.Ordinal) && definition.FindGate(id) is { } gate)
            {
                gates.Add(id);
                if (gate.Escalation?.To is { } to)
                {
                    next.Enqueue(to);
                }
            }
        }

        return gates;
    }

    private WriteIntentRefusedException Refuse(WriteIntent intent, WriteIntentRefusal refusal, string reason)
    {
        logger.WriteIntentRefused(intent.RunId, intent.StepId, refusal.ToString(), reason);
        return new WriteIntentRefusedException(refusal, reason);
    }

    private static string Short(string? digest) => digest is null ? "none" : digest[..Math.Min(12, digest.Length)] + "…";
}
