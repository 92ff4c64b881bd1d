using System.Text.Json;

namespace DurableAgentOps.Cli.Evidence;

/// <summary>GET /api/runs/{id}/evidence: the stored records (text and stored hash), the signed head, the index row, the host's verdict.</summary>
internal sealed record RunEvidenceDto(string? RunId, IReadOnlyList<StoredRecordDto>? Records, string? Head, string? HeadSignature, JsonElement Summary, JsonElement Verification);

internal sealed record StoredRecordDto(string? Json, string? Hash);

/// <summary>GET /api/evidence/log: every leaf (canonical JSON, in index order), the signed tree head, the host's public key.</summary>
internal sealed record EvidenceLogDto(IReadOnlyList<string>? Leaves, string? TreeHead, string? TreeHeadSignature, string? KeyId, string? PublicKey);

/// <summary>GET /api/evidence/runs: one page of matching runs.</summary>
internal sealed record RunSearchDto(int Top, int Scanned, IReadOnlyList<RunHitDto>? Runs, string? Next);

internal sealed record RunHitDto(string? RunId, RunSummaryDto? Summary);

internal sealed record RunSummaryDto(
    string? Workflow, string? DefinitionSha256, HostApi.PrincipalDto? Initiator, string? Status, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt,
    IReadOnlyList<HostApi.PrincipalDto>? Approvers, IReadOnlyList<string>? Identities, IReadOnlyList<string>? Writes, IReadOnlyList<string>? Records, string? Retention,
    IReadOnlyList<string>? GovernanceOff);

/// <summary>GET /api/evidence/runs as verify --all reads it: each run's summary as shown, and the row's signed copy.</summary>
internal sealed record IndexPageDto(IReadOnlyList<IndexHitDto>? Runs, string? Next);

internal sealed record IndexHitDto(string? RunId, JsonElement Summary, string? Index, string? IndexSignature);
