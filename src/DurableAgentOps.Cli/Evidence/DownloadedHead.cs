using System.Text.Json.Nodes;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Cli.Evidence;

/// <summary>
/// GET /api/evidence/head as downloaded: today's signed tree head, the host's key, the consistency proof asked for (null
/// when the log holds fewer leaves), the latest anchored head and the anchored leaves asked for. Nothing here is
/// trusted: every head's signature and every proof is checked by the caller.
/// </summary>
internal sealed record DownloadedHead(SignedTreeHead? Current, EvidencePublicKey HostKey, ConsistencyProof? Proof, SignedTreeHead? Anchored, IReadOnlyList<LogLeaf> AnchoredLeaves)
{
    public static async Task<(DownloadedHead? Head, HostResponse Response)> GetAsync(HostClient client, long? from, bool anchoredLeaves, CancellationToken cancellationToken)
    {
        var query = "/api/evidence/head" + (from is { } size ? $"?from={size}" : string.Empty) + (anchoredLeaves ? (from is null ? "?" : "&") + "anchored=true" : string.Empty);
        var response = await client.GetAsync(query, cancellationToken);
        return (response.IsSuccess ? Parse(response.Body) : null, response);
    }

    /// <summary>Reads the answer; null when it is not one (a head that does not read is left null, and reported by the caller).</summary>
    internal static DownloadedHead? Parse(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is not JsonObject json || json["publicKey"]?.GetValue<string>() is not { } pem || !EvidencePublicKey.TryFromPem(pem, out var key, out _))
            {
                return null;
            }

            ConsistencyProof? proof = null;
            if (json["consistency"] is JsonObject c && c["oldSize"]?.GetValue<long>() is { } oldSize && c["newSize"]?.GetValue<long>() is { } newSize && c["path"] is JsonArray path)
            {
                proof = new ConsistencyProof(oldSize, newSize, [.. path.Select(p => p?.GetValue<string>() ?? string.Empty)]);
            }

            var leaves = new List<LogLeaf>();
            foreach (var item in json["anchoredLeaves"] as JsonArray ?? [])
            {
                if (item?["index"]?.GetValue<long>() is { } index && LogLeaf.TryParse(index, item["leaf"]?.GetValue<string>(), out var leaf, out _))
                {
                    leaves.Add(leaf);
                }
            }

            return new DownloadedHead(Head(json["treeHead"]), key, proof, Head(json["anchored"]), leaves);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static SignedTreeHead? Head(JsonNode? node) =>
        node is JsonObject && SignedTreeHead.TryParse(node.ToJsonString(), out var head, out _) ? head : null;
}
