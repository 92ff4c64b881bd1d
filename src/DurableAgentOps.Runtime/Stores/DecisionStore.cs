using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// A decision as the approval service recorded it, for a verified principal who is an approver of the gate; the
/// orchestration counts only these (it is sent the id, and reads the rest back). With <see cref="Refused"/> set, a
/// signed-in person's attempt the service refused (403: not an approver, or the initiator): recorded so the run's
/// evidence holds it, never counted.
/// </summary>
public sealed record RecordedDecision(
    string RunId,
    string DecisionId,
    string StepId,
    string Gate,
    string PrincipalId,
    string PrincipalName,
    string? PrincipalUpn,
    bool Approved,
    string Channel,
    string? ClientId,
    string MatchedAs,
    string? Comment,
    DateTimeOffset At,
    string? LinkId = null,
    string? ChangeDigest = null,
    string? Refused = null);

/// <summary>
/// Approval decisions in Azure Tables: one partition per run, one row per (gate, principal), so one person answers a
/// gate once — the insert is the atomic check — and a decision can be read back by its id.
/// </summary>
public sealed class DecisionStore(GovernanceStorage storage)
{
    private readonly Lazy<Task<TableClient>> table = new(async () =>
    {
        var client = storage.Tables.GetTableClient(storage.DecisionsTable);
        if (storage.CreatesStores)
        {
            await client.CreateIfNotExistsAsync();
        }
        return client;
    });

    /// <summary>The id of (gate, principal)'s decision in a run: the row key.</summary>
    public static string DecisionIdFor(string gate, string principalId) =>
        $"{gate}~{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principalId)))[..32]}";

    /// <summary>The id of (gate, principal)'s refused attempt: one per person and gate, so repeats cannot grow the run's evidence.</summary>
    public static string RefusalIdFor(string gate, string principalId) =>
        $"{gate}~refused~{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(principalId)))[..32]}";

    /// <summary>Records the decision; false (and the earlier one) when this principal already answered this gate.</summary>
    public async Task<(bool Recorded, RecordedDecision Existing)> TryRecordAsync(RecordedDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var client = await table.Value;
        try
        {
            await client.AddEntityAsync(ToEntity(decision), cancellationToken);
            return (true, decision);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return (false, await GetAsync(decision.RunId, decision.DecisionId, cancellationToken) ?? decision);
        }
    }

    public async Task<RecordedDecision?> GetAsync(string runId, string decisionId, CancellationToken cancellationToken)
    {
        if (!IsKey(runId) || !IsKey(decisionId))
        {
            return null;
        }

        var client = await table.Value;
        var found = await client.GetEntityIfExistsAsync<TableEntity>(runId, decisionId, cancellationToken: cancellationToken);
        return found.HasValue ? FromEntity(found.Value!) : null;
    }

    /// <summary>The decisions recorded for one step of a run, approvals and rejections (refused attempts left out).</summary>
    public async Task<IReadOnlyList<RecordedDecision>> DecisionsOfAsync(string runId, string stepId, CancellationToken cancellationToken)
    {
        if (!IsKey(runId))
        {
            return [];
        }

        var client = await table.Value;
        var found = new List<RecordedDecision>();
        await foreach (var entity in client.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {runId}"), cancellationToken: cancellationToken))
        {
            if (FromEntity(entity) is { Refused: null } decision && decision.StepId == stepId)
            {
                found.Add(decision);
            }
        }

        return found;
    }

    private static TableEntity ToEntity(RecordedDecision d) => new(d.RunId, d.DecisionId)
    {
        ["StepId"] = d.StepId,
        ["Gate"] = d.Gate,
        ["PrincipalId"] = d.PrincipalId,
        ["PrincipalName"] = d.PrincipalName,
        ["PrincipalUpn"] = d.PrincipalUpn,
        ["Approved"] = d.Approved,
        ["Channel"] = d.Channel,
        ["ClientId"] = d.ClientId,
        ["MatchedAs"] = d.MatchedAs,
        ["Comment"] = d.Comment,
        ["At"] = d.At,
        ["LinkId"] = d.LinkId,
        ["ChangeDigest"] = d.ChangeDigest,
        ["Refused"] = d.Refused,
    };

    private static RecordedDecision FromEntity(TableEntity e) => new(
        e.PartitionKey, e.RowKey, e.GetString("StepId") ?? string.Empty, e.GetString("Gate") ?? string.Empty,
        e.GetString("PrincipalId") ?? string.Empty, e.GetString("PrincipalName") ?? string.Empty, e.GetString("PrincipalUpn"),
        e.GetBoolean("Approved") ?? false, e.GetString("Channel") ?? "unknown", e.GetString("ClientId"), e.GetString("MatchedAs") ?? string.Empty,
        e.GetString("Comment"), e.GetDateTimeOffset("At") ?? DateTimeOffset.MinValue, e.GetString("LinkId"), e.GetString("ChangeDigest"), e.GetString("Refused"));

    // Table keys may not hold / \ # ? or control characters; ids here are short and plain.
    internal static bool IsKey(string text) =>
        text.Length is > 0 and <= 200 && !text.Any(c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
}
