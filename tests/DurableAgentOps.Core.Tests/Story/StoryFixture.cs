using System.Text.Json.Nodes;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Core.Tests.Story;

/// <summary>A crm-followup run's records shaped as the orchestration's recorder writes them (camelCase, web JSON).</summary>
internal static class StoryFixture
{
    public const string RunId = "crm-followup-7c1e";

    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 9, 0, 0, TimeSpan.Zero);

    public static JsonObject Principal(string id, string name, string? upn) => new() { ["id"] = id, ["name"] = name, ["upn"] = upn };

    public static JsonObject Step(string stepId, string activity, string identity, string clientId, string[] operations, string[] records, string? system,
        string outcome = "succeeded", string[]? fields = null, JsonObject? output = null, string? model = null) => new()
    {
        ["stepId"] = stepId,
        ["identity"] = identity,
        ["clientId"] = clientId,
        ["declaredScope"] = new JsonObject { ["operations"] = Array(operations), ["records"] = new JsonObject { ["region"] = Array("emea") }, ["fields"] = Array(fields ?? []) },
        ["grantedScope"] = system is null ? null : new JsonObject
        {
            ["system"] = system, ["operations"] = Array(operations), ["records"] = new JsonObject { ["region"] = Array("emea") }, ["fields"] = Array(fields ?? []),
        },
        ["operations"] = Array(operations),
        ["records"] = Array(records),
        ["outcome"] = outcome,
        ["worker"] = "host-1",
        ["startedAt"] = "2026-11-30T09:00:01.000+00:00",
        ["durationMs"] = 42,
        ["outputDigest"] = new string('a', 64),
        ["modelUsage"] = model is null ? null : new JsonObject { ["model"] = model, ["prompt"] = "p", ["inputTokens"] = 10, ["outputTokens"] = 5 },
        ["call"] = new JsonObject
        {
            ["activity"] = activity, ["inputDigest"] = new string('b', 64), ["result"] = output is null ? null : new JsonObject { ["output"] = output }, ["failure"] = null,
        },
    };

    public static JsonObject Decision(JsonObject? approver, bool? approved, string channel, string? comment, string counted) => new()
    {
        ["stepId"] = "write-followup",
        ["gate"] = "manager-review",
        ["decisionId"] = "manager-review~1",
        ["approver"] = approver,
        ["approved"] = approved,
        ["channel"] = channel,
        ["matchedAs"] = approver is null ? null : "group emea-sales-managers",
        ["comment"] = comment,
        ["at"] = "2026-11-30T09:05:00",
        ["counted"] = counted,
        ["linkId"] = "L-123",
        ["changeDigest"] = new string('c', 64),
    };

    /// <summary>A whole governed run: start, reads, draft, route, gate, notice, an ignored event, Bob's decision, the write, the end.</summary>
    public static IReadOnlyList<EvidenceRecord> Run(string bobComment = "looks right", string bobName = "Bob Manager", string draftedSubject = "Follow up with Northwind") =>
        EvidenceChain.Append(RunId, ChainTip.Start, [
            Entry("run-start", 0, new JsonObject
            {
                ["workflow"] = "crm-followup", ["definitionSha256"] = new string('d', 64), ["definitionLoaded"] = true, ["environment"] = "local",
                ["initiator"] = Principal("t/alice", "Alice Martin", "alice@contoso.example"), ["input"] = new JsonObject { ["accountId"] = "ACC-000002" },
                ["inputDigest"] = new string('e', 64),
            }),
            Entry("step", 1, Step("read-account", "ReadStepActivity", "crm-reader", "client-reader", ["crm.accounts.read"], ["ACC-000002"], "crm")),
            Entry("step", 2, Step("read-last-call", "ReadStepActivity", "crm-reader", "client-reader", ["crm.calls.read"], ["CALL-00000004"], "crm")),
            Entry("step", 3, Step("draft-followup", "DraftStepActivity", "drafter", "client-drafter", ["model.completions.create"], [], "model",
                output: new JsonObject { ["task"] = new JsonObject { ["subject"] = draftedSubject, ["dueDate"] = "2026-12-02" } }, model: "gpt-test")),
            Entry("step", 4, Step("route-by-tier", "RouteStepActivity", "router", "client-router", [], [], null)),
            Entry("approval-request", 5, new JsonObject
            {
                ["stepId"] = "write-followup", ["gate"] = "manager-review", ["why"] = "route step route-by-tier chose gate manager-review", ["changeDigest"] = new string('c', 64),
                ["change"] = new JsonArray(new JsonObject
                {
                    ["system"] = "crm", ["operation"] = "crm.tasks.create", ["record"] = "ACC-000002", ["field"] = "subject", ["before"] = null, ["after"] = "Follow up with Northwind",
                }),
            }),
            Entry("notice", 6, new JsonObject
            {
                ["gate"] = "manager-review", ["kind"] = "request", ["at"] = "2026-11-30T09:00:06", ["recipients"] = 2, ["sent"] = Array("email: 2"), ["failures"] = Array(),
                ["call"] = new JsonObject { ["activity"] = "NotifyApproversActivity", ["result"] = new JsonObject { ["link"] = "https://host/approvals/SECRET-TOKEN" } },
            }),
            Entry("ignored-event", 7, Decision(null, null, "event", null, "ignored: not a decision the approval service recorded")),
            Entry("decision", 8, Decision(Principal("t/bob", bobName, "bob.manager@contoso.example"), true, "email", bobComment, "counted")),
            Entry("step", 9, Step("write-followup", "WriteStepActivity", "crm-writer", "client-writer", ["crm.tasks.create", "crm.notes.create"], ["ACC-000002"], "crm",
                fields: ["subject", "body"], output: new JsonObject { ["crm.tasks.create"] = new JsonObject { ["id"] = "TASK-1", ["subject"] = "Follow up with Northwind" } })),
            Entry("run-end", 10, new JsonObject { ["outcome"] = "completed", ["failure"] = null }),
        ]);

    public static RunVerification Verified => new(RunId, [], []);

    private static EvidenceEntry Entry(string kind, int seconds, JsonObject data) => new(kind, T0.AddSeconds(seconds), data);

    private static JsonArray Array(params string[] values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v)!)]);
}
