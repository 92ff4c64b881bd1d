using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// The real orchestrator with stand-ins under the real activity names: the definition from the test's own files, step
/// records with canned outputs, an approval service that knows one decision, notices that always reach one person.
/// The first read of a run whose workflow retries fails once; a write for <see cref="RefusedAccount"/> fails; the first
/// evidence append of a run for <see cref="FlakyEvidenceAccount"/> fails once (its retry policy heals it).
/// </summary>
internal static class FakeActivities
{
    public const string Decision = "decision-1";
    public const string RefusedAccount = "ACC-000009";
    public const string FlakyEvidenceAccount = "ACC-000007";

    private static readonly ConcurrentDictionary<string, int> ReadAttempts = new();
    private static readonly ConcurrentDictionary<string, bool> FailedAppends = new();
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<long, EvidenceEntry>> Evidence = new();

    /// <summary>
    /// The evidence a run appended, as the ledger would hold it: chained records read back from their canonical text
    /// (so times are in milliseconds, as stored).
    /// </summary>
    public static IReadOnlyList<EvidenceRecord> EvidenceOf(string runId)
    {
        var entries = Evidence.TryGetValue(runId, out var appended) ? appended.OrderBy(e => e.Key).Select(e => e.Value).ToList() : [];
        return [.. EvidenceChain.Append(runId, ChainTip.Start, entries)
            .Select(r => EvidenceRecord.TryParse(r.ToCanonicalJson(), out var read, out var error) ? read : throw new InvalidOperationException(error))];
    }

    public static void Register(DurableTaskRegistry tasks, IReadOnlyList<WorkflowSnapshot> deployed) => tasks
        .AddOrchestrator<AgentWorkflowOrchestrator>()
        .AddActivityFunc<DefinitionRef, WorkflowSnapshot>(LoadDefinitionActivity.Name, (_, wanted) => deployed.Single(s => s.Sha256 == wanted.Sha256))
        .AddActivityFunc<StepInvocation, StepRecord>(ReadStepActivity.Name, (TaskActivityContext _, StepInvocation step) => Read(step))
        .AddActivityFunc<StepInvocation, StepRecord>(DraftStepActivity.Name, (_, step) => Record(step, new JsonObject
        {
            ["task"] = new JsonObject { ["subject"] = "Follow up on the renewal", ["body"] = "Send the revised quote.", ["dueDate"] = "2031-05-09" },
        }))
        .AddActivityFunc<StepInvocation, StepRecord>(RouteStepActivity.Name, (_, step) => Record(step, new JsonObject
        {
            ["to"] = "standard-accounts", ["gate"] = "manager-review", ["matchedWhen"] = null,
        }))
        .AddActivityFunc<StepInvocation, StepRecord>(WriteStepActivity.Name, (TaskActivityContext _, StepInvocation step) => Write(step))
        .AddActivityFunc<StepInvocation, ProposedChange>(PrepareChangeActivity.Name, (_, _) => new ProposedChange(
            [new ChangeLine("crm", "crm.tasks.create", "ACC-000002", "subject", null, "Follow up on the renewal")], ["ACC-000002"], new string('c', 64)))
        .AddActivityFunc<EvidenceBatch, long>(AppendEvidenceActivity.Name, (_, batch) => Append(batch))
        .AddActivityFunc<NotifyRequest, NotifyOutcome>(NotifyApproversActivity.Name, (_, _) => new NotifyOutcome(1, [new NoticeResult("email", 1, [])], []))
        .AddActivityFunc<DecisionCheckRequest, DecisionCheck>(VerifyDecisionActivity.Name, (_, check) => check.DecisionId == Decision
            ? new DecisionCheck(new RecordedDecision(check.RunId, check.DecisionId, check.StepId, check.Gate, "tenant/bob", "Bob Manager",
                "bob.manager@contoso.example", true, "email", null, "group:emea-sales-managers", "Looks right.", new DateTimeOffset(2031, 5, 6, 7, 8, 9, TimeSpan.Zero)), null)
            : new DecisionCheck(null, "ignored: no decision with this id was recorded by the approval service for this run"));

    private static long Append(EvidenceBatch batch)
    {
        // The run's first batch carries its run-start record, with the input the run was started with.
        if (batch.FirstSeq == 0 && RunData.Text(batch.Entries[0].Data, "input.accountId") == FlakyEvidenceAccount && FailedAppends.TryAdd(batch.RunId, true))
        {
            throw new InvalidOperationException("the evidence table did not answer in time");
        }

        var run = Evidence.GetOrAdd(batch.RunId, _ => new ConcurrentDictionary<long, EvidenceEntry>());
        for (var i = 0; i < batch.Entries.Count; i++)
        {
            run[batch.FirstSeq + i] = batch.Entries[i];
        }

        return batch.FirstSeq + batch.Entries.Count - 1;
    }

    private static StepRecord Read(StepInvocation step)
    {
        // A transient failure the step's retry policy absorbs: only workflows that declare a retry see it.
        if (step.Step.Retry is not null && ReadAttempts.AddOrUpdate(step.RunId, 1, (_, n) => n + 1) == 1)
        {
            throw new InvalidOperationException("the CRM did not answer in time");
        }

        return Record(step, new JsonObject
        {
            ["id"] = "ACC-000002", ["name"] = "Fabrikam", ["tier"] = "standard", ["region"] = "emea", ["ownerId"] = "u-000017",
        });
    }

    private static StepRecord Write(StepInvocation step) =>
        RunData.Text(step.Data, "input.accountId") == RefusedAccount
            ? throw new InvalidOperationException("the CRM refused the task")
            : Record(step, new JsonObject { ["created"] = new JsonArray("TASK-000001") });

    private static StepRecord Record(StepInvocation step, JsonObject output) => new(step.Step.Id, step.Step.Kind, step.Identity.Name, step.ClientId,
        step.Step.Scope, [step.Step.Operation ?? "route"], ["ACC-000002"], DateTimeOffset.UtcNow, 3, "succeeded", "fake-worker", output, null);
}
