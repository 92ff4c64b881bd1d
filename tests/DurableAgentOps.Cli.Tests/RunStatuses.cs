using System.Text.Json.Nodes;

namespace DurableAgentOps.Cli.Tests;

/// <summary>GET /api/runs/{id} bodies shaped as the host writes them (including fields the CLI ignores) for a crm-followup run.</summary>
internal static class RunStatuses
{
    public static readonly JsonObject ReadAccount = Step("read-account", "Read", "crm-reader", "000000000001", ["crm.accounts.read"], ["ACC-000001"]);

    // The step kind as a number: a host serializing the enum without a string converter must still print "read".
    public static readonly JsonObject ReadLastCall = Step("read-last-call", 0, "crm-reader", "000000000001", ["crm.calls.read"], ["CALL-00000042"]);

    public static readonly JsonObject Draft = Step("draft-followup", "Draft", "drafter", "000000000007", ["model.completions.create"], []);

    public static readonly JsonObject Route = Step("route-by-tier", "Route", "router", "000000000008", [], []);

    public static readonly JsonObject Write = Step("write-followup", "Write", "crm-writer", "000000000002", ["crm.tasks.create", "crm.notes.create"], ["TASK-1", "NOTE-1"]);

    public static readonly JsonObject ManagerReview = new()
    {
        ["stepId"] = "write-followup",
        ["gate"] = "manager-review",
        ["approvers"] = new JsonArray("group:emea-sales-managers"),
        ["quorum"] = 1,
        ["timeout"] = "P2D",
        ["expiresAt"] = "2026-12-01T00:00:00Z",
        ["approvalsSoFar"] = 0,
    };

    public static string Status(string status, string phase, JsonObject[] steps, JsonObject? waitingFor = null, string? outcome = null, JsonObject? failure = null) =>
        new JsonObject
        {
            ["runId"] = "run-1",
            ["workflow"] = "crm-followup",
            ["definitionSha256"] = new string('a', 64),
            ["status"] = status,
            ["phase"] = phase,
            ["currentStep"] = steps.Length == 0 ? null : steps[^1]["stepId"]!.DeepClone(),
            ["initiator"] = "alice",
            ["outcome"] = outcome,
            ["waitingFor"] = waitingFor?.DeepClone(),
            ["steps"] = new JsonArray([.. steps.Select(s => s.DeepClone())]),
            ["approvals"] = new JsonArray(),
            ["failure"] = failure,
            ["createdAt"] = "2026-11-29T10:00:00+00:00",
            ["lastUpdatedAt"] = "2026-11-29T10:00:01+00:00",
        }.ToJsonString();

    /// <summary>A whole run: reads, a wait at the manager gate (seen twice), then completion.</summary>
    public static string[] ApprovedRun() =>
    [
        Status("Running", "running", [ReadAccount]),
        Status("Running", "awaiting-approval", [ReadAccount, ReadLastCall, Draft, Route], ManagerReview),
        Status("Running", "awaiting-approval", [ReadAccount, ReadLastCall, Draft, Route], ManagerReview),
        Status("Completed", "completed", [ReadAccount, ReadLastCall, Draft, Route, Write], outcome: "completed"),
    ];

    private static JsonObject Step(string id, JsonNode kind, string identity, string clientSuffix, string[] operations, string[] records) => new()
    {
        ["stepId"] = id,
        ["kind"] = kind,
        ["identity"] = identity,
        ["clientId"] = "6f1c0a10-0000-4000-8000-" + clientSuffix,
        ["scope"] = new JsonObject { ["operations"] = new JsonArray([.. operations.Select(o => JsonValue.Create(o))]) },
        ["operations"] = new JsonArray([.. operations.Select(o => JsonValue.Create(o))]),
        ["records"] = new JsonArray([.. records.Select(r => JsonValue.Create(r))]),
        ["startedAt"] = "2026-11-29T10:00:00+00:00",
        ["durationMs"] = 12,
        ["outcome"] = "ok",
        ["worker"] = "host-1",
        ["modelUsage"] = null,
    };
}
