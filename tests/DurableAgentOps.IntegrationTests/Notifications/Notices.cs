using DurableAgentOps.Runtime.Approvals;
using DurableAgentOps.Runtime.Notifications;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>Notices as the orchestration will send them, for the crm-followup sample run.</summary>
internal static class Notices
{
    public static readonly DateTimeOffset Deadline = new(2031, 5, 6, 7, 8, 9, TimeSpan.Zero);

    public static ApprovalNotice Request(string? runId = null, string subject = "Follow up on the renewal", string body = "Call Dana before Friday.")
    {
        runId ??= "run-" + Guid.NewGuid().ToString("N")[..12];
        return Build(runId, subject, body) with { RunPage = RunPage(runId) };
    }

    /// <summary>The run page's address for a run, as the notify activity builds it.</summary>
    public static Uri RunPage(string runId) => RunPageLinks.For(new Uri("https://agentops.contoso.example"), runId);

    /// <summary>The outcome of <paramref name="outcome"/> ("approved at gate …", "rejected at gate …") told to <paramref name="audience"/>.</summary>
    public static ApprovalNotice Outcome(string outcome, NoticeAudience audience, params NoticeDecision[] decisions) =>
        Request() with { Kind = NoticeKind.Outcome, Outcome = outcome, Audience = audience, Decisions = decisions };

    public static NoticeDecision Decision(string name, bool approved, string channel = "email", string? comment = null) =>
        new(name, approved, channel, comment, new DateTimeOffset(2031, 5, 4, 9, 30, 0, TimeSpan.Zero));

    private static ApprovalNotice Build(string runId, string subject, string body) => new(
        NoticeKind.Request,
        runId,
        "crm-followup",
        "create-task",
        "sales-manager",
        "Alice Initiator",
        "crm-writer",
        "2b7f6c1e-0000-4000-8000-0000000000c4",
        ["crm.tasks.create", "crm.tasks:subject,body,dueDate"],
        [
            new ChangeLine("crm", "crm.tasks.create", "ACC-000002", "subject", null, subject),
            new ChangeLine("crm", "crm.tasks.create", "ACC-000002", "body", null, body),
            new ChangeLine("crm", "crm.tasks.create", "ACC-000002", "dueDate", "2031-05-01", "2031-05-09"),
        ],
        "sha256:5f1d3c0b9a8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f5e",
        "writes to a customer account need a sales manager (gate sales-manager, policy crm-writes)",
        2,
        1,
        Deadline,
        null);

    public static NoticeRecipient Person(string name, string email) =>
        new($"7d3e5c1a-0000-4000-8000-0000000000d0/{Guid.NewGuid()}", name, email,
            new Uri($"https://agentops.contoso.example/approvals/{Guid.NewGuid():N}?t={Guid.NewGuid():N}"));

    /// <summary>A unique address per test, so mails in the shared smtp4dev are told apart.</summary>
    public static string Address(string who) => $"{who}.{Guid.NewGuid().ToString("N")[..8]}@contoso.example";
}
