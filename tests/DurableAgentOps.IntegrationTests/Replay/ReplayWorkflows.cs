using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Snapshot;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests.Replay;

/// <summary>
/// The workflow files the replay tests record runs of, and today's edits of them: one whose write waits at a routed
/// gate (reminding once after a second), one whose gate applies to strategic accounts only (the recorded account is
/// standard, so it runs without one) and whose first read retries.
/// </summary>
internal static class ReplayWorkflows
{
    public const string Name = "replay-followup";

    /// <summary>The step the replay tests add to a workflow (today's edit "a step added").</summary>
    public const string AddedStep = """
          - id: read-last-call
            kind: read
            description: Read the last call.
            identity: crm-reader
            system: crm
            operation: crm.calls.read
            scope:
              operations: [crm.calls.read]
              records:
                region: [emea]
            from: [read-account]

        """;

    public const string Gated = """
        name: replay-followup
        version: 1
        owner: sales-ops@contoso.example
        description: Read an account, draft a follow-up, route by tier, and create the task once a manager approves.
        isolation: shared-app

        input:
          accountId:
            type: string
            required: true
            pattern: "^ACC-[0-9]{6}$"
            description: CRM account id.

        steps:
          - id: read-account
            kind: read
            description: Read the account.
            identity: crm-reader
            system: crm
            operation: crm.accounts.read
            scope:
              operations: [crm.accounts.read]
              records:
                region: [emea]

          - id: draft-followup
            kind: draft
            description: Draft the follow-up task.
            identity: drafter
            system: model
            operation: model.completions.create
            scope:
              operations: [model.completions.create]
            from: [read-account]

          - id: route-by-tier
            kind: route
            description: Strategic accounts go to a director; the rest to a manager.
            identity: router
            from: [read-account]
            routes:
              - when: account.tier == 'strategic'
                to: strategic-accounts
                gate: director-review
              - to: standard-accounts
                gate: manager-review

          - id: write-followup
            kind: write
            description: Create the task on the account.
            identity: crm-writer
            system: crm
            operation: crm.tasks.create
            scope:
              operations: [crm.tasks.create]
              records:
                region: [emea]
              fields: [subject, body, dueDate, ownerId]
            from: [draft-followup, route-by-tier]
            approval:
              route: route-by-tier

        gates:
          manager-review:
            approvers:
              - group: emea-sales-managers
            channels: [email]
            timeout: P1D
            reminders: [PT1S]
            quorum: 1
            onTimeout: reject

          director-review:
            approvers:
              - group: emea-sales-directors
            channels: [email]
            timeout: P1D
            quorum: 1
            onTimeout: reject

        evidence:
          retention: P400D
          keep: [inputs, reads, drafts, routes, approvals, writes]

        """;

    public const string WithoutGate = """
        name: replay-followup
        version: 1
        owner: sales-ops@contoso.example
        description: Read an account, draft a follow-up, and create the task; strategic accounts wait for a manager.
        isolation: shared-app

        input:
          accountId:
            type: string
            required: true
            pattern: "^ACC-[0-9]{6}$"
            description: CRM account id.

        steps:
          - id: read-account
            kind: read
            description: Read the account.
            identity: crm-reader
            system: crm
            operation: crm.accounts.read
            scope:
              operations: [crm.accounts.read]
              records:
                region: [emea]
            retry:
              maxAttempts: 3
              backoff: PT1S

          - id: draft-followup
            kind: draft
            description: Draft the follow-up task.
            identity: drafter
            system: model
            operation: model.completions.create
            scope:
              operations: [model.completions.create]
            from: [read-account]

          - id: write-followup
            kind: write
            description: Create the task on the account.
            identity: crm-writer
            system: crm
            operation: crm.tasks.create
            scope:
              operations: [crm.tasks.create]
              records:
                region: [emea]
              fields: [subject, body, dueDate, ownerId]
            from: [draft-followup]
            approval:
              gate: manager-review
              when: account.tier == 'strategic'

        gates:
          manager-review:
            approvers:
              - group: emea-sales-managers
            channels: [email]
            timeout: P1D
            quorum: 1
            onTimeout: reject

        evidence:
          retention: P400D
          keep: [inputs, reads, drafts, routes, approvals, writes]

        """;

    /// <summary>The workflow's text with one piece replaced; the piece must be there (an edit that misses is a broken test).</summary>
    public static string Edit(string text, string old, string replacement) =>
        text.Contains(old, StringComparison.Ordinal)
            ? text.Replace(old, replacement, StringComparison.Ordinal)
            : throw new InvalidOperationException($"'{old}' is not in the workflow");

    /// <summary>The snapshot a deployment of this text runs, with the repository's identity catalogue.</summary>
    public static WorkflowSnapshot Snapshot(string text)
    {
        var catalogue = WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", WorkflowLoader.CatalogueFileName));
        var loaded = WorkflowLoader.Parse(text, $"{Name}.yaml", catalogue);
        return loaded.HasErrors
            ? throw new InvalidOperationException($"the test workflow has errors: {string.Join("; ", loaded.AllFindings.Where(f => f.IsError))}")
            : loaded.ToSnapshot();
    }
}
