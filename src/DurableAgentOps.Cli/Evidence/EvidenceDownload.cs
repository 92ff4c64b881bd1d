using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Cli.Evidence;

/// <summary>A log as downloaded: its leaves, its signed tree head, and the key the host says it signs with.</summary>
internal sealed record DownloadedLog(IReadOnlyList<LogLeaf> Leaves, TreeHead? Head, string? HeadSignature, EvidencePublicKey HostKey, IReadOnlyList<string> Malformed);

/// <summary>
/// Downloads evidence from the host as stored, so the CLI verifies it with Core's rules itself: the host's own verdict is
/// not what an investigator should have to trust.
/// </summary>
internal static class EvidenceDownload
{
    /// <summary>The run's records and signed head; null with the host's answer when it refused or has none.</summary>
    public static async Task<(RunEvidence? Evidence, HostResponse Response)> RunAsync(HostClient client, string runId, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}/evidence", cancellationToken);
        if (!response.IsSuccess || response.Read<RunEvidenceDto>() is not { } dto)
        {
            return (null, response);
        }

        var records = (dto.Records ?? []).Select(r => StoredRecord.Parse(r.Json, r.Hash)).ToList();
        RunHead? head = null;
        if (dto.Head is not null)
        {
            RunHead.TryParse(dto.Head, out head, out _);
        }

        return (new RunEvidence(records, head, dto.HeadSignature), response);
    }

    public static async Task<(DownloadedLog? Log, HostResponse Response)> LogAsync(HostClient client, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync("/api/evidence/log", cancellationToken);
        if (!response.IsSuccess || response.Read<EvidenceLogDto>() is not { PublicKey: { } pem } dto || !EvidencePublicKey.TryFromPem(pem, out var key, out _))
        {
            return (null, response);
        }

        var leaves = new List<LogLeaf>();
        var malformed = new List<string>();
        foreach (var (text, index) in (dto.Leaves ?? []).Select((t, i) => (t, (long)i)))
        {
            if (LogLeaf.TryParse(index, text, out var leaf, out var error))
            {
                leaves.Add(leaf);
            }
            else
            {
                malformed.Add($"log leaf {index} is not a leaf: {error}");
            }
        }

        TreeHead? tree = null;
        if (dto.TreeHead is not null)
        {
            TreeHead.TryParse(dto.TreeHead, out tree, out _);
        }

        return (new DownloadedLog(leaves, tree, dto.TreeHeadSignature, key, malformed), response);
    }

    /// <summary>The public key in a PEM file (--public-key); null with a message naming the file when it is not one.</summary>
    public static EvidencePublicKey? ReadKey(string path, out string? problem)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot read the public key file {path}: {ex.Message}";
            return null;
        }

        if (EvidencePublicKey.TryFromPem(text, out var key, out var error))
        {
            problem = null;
            return key;
        }

        problem = $"{path} is not an ECDSA P-256 public key in PEM ('-----BEGIN PUBLIC KEY-----'): {error}";
        return null;
    }
}
