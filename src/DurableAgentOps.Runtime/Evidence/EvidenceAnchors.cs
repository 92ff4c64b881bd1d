using System.Globalization;
using System.Text.Json.Nodes;
using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// The anchor store: every signed tree head the host signs is also written here, once (<c>If-None-Match: *</c>), in a
/// place the operator's tables are not: the immutable <c>anchors</c> container in Azure, reached with the host's
/// identity (<see cref="EvidenceOptions.AnchorContainerUrl"/>), or a container of its own locally. Blob names count down
/// from the largest size, so the first name listed is the latest head.
/// </summary>
public sealed class EvidenceAnchors(GovernanceStorage storage, IOptions<EvidenceOptions> options)
{
    private readonly Lazy<Task<BlobContainerClient>> container = new(async () =>
    {
        var settings = options.Value;
        if (settings.AnchorContainerUrl is { } url)
        {
            // The host may add blobs to that container and nothing more (infra/modules/anchors.bicep): it exists already.
            var identity = settings.AnchorClientId is { Length: > 0 } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned;
            return new BlobContainerClient(url, new ManagedIdentityCredential(identity));
        }

        var local = storage.Blobs.GetBlobContainerClient(storage.Prefix.ToLowerInvariant() + "-anchors");
        await local.CreateIfNotExistsAsync();
        return local;
    });

    /// <summary>Where the anchors are, for messages: the container's URL without any query.</summary>
    public string Where => options.Value.AnchorContainerUrl?.GetLeftPart(UriPartial.Path) ?? $"container {storage.Prefix.ToLowerInvariant()}-anchors of the task hub's account";

    /// <summary>The anchored head of the largest tree, or null when none is anchored yet.</summary>
    /// <exception cref="InvalidOperationException">The latest anchor does not read (fail closed: nothing is signed over an unknown anchor).</exception>
    public async Task<AnchoredHead?> LatestAsync(CancellationToken cancellationToken)
    {
        var client = await container.Value;
        await foreach (var page in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken).AsPages(pageSizeHint: 1))
        {
            if (page.Values.Count > 0)
            {
                return await ReadAsync(client, page.Values[0].Name, cancellationToken);
            }
        }

        return null;
    }

    /// <summary>Every anchored head, largest first (an investigator's read: it names what a rolled-back log lost).</summary>
    public async Task<IReadOnlyList<AnchoredHead>> AllAsync(CancellationToken cancellationToken)
    {
        var client = await container.Value;
        var found = new List<AnchoredHead>();
        await foreach (var blob in client.GetBlobsAsync(BlobTraits.None, BlobStates.None, Prefix, cancellationToken))
        {
            found.Add(await ReadAsync(client, blob.Name, cancellationToken));
        }

        return found;
    }

    /// <summary>
    /// Writes the head once. A head of that size anchored already is fine when it has the same root (two appenders
    /// anchored the same tree); another root at the same size is a forked log, refused.
    /// </summary>
    public async Task WriteAsync(AnchoredHead anchored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(anchored);
        var client = await container.Value;
        var json = anchored.Signed.ToJsonObject();
        json["frontier"] = anchored.Frontier is { } edge ? new JsonArray([.. edge.ToHex().Select(h => (JsonNode)h)]) : null;
        json["leaves"] = new JsonArray([.. anchored.Leaves.Select(l => (JsonNode)new JsonObject { ["index"] = l.Index, ["leaf"] = l.ToCanonicalJson() })]);
        var name = NameOf(anchored.Signed.Head.Size);
        try
        {
            await client.GetBlobClient(name).UploadAsync(BinaryData.FromString(json.ToJsonString()),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var there = await ReadAsync(client, name, cancellationToken);
            if (there.Signed.Head.Root != anchored.Signed.Head.Root)
            {
                throw new InvalidOperationException(
                    $"the anchor store holds another tree head of {anchored.Signed.Head.Size} leaves (root {there.Signed.Head.Root}, this log's is {anchored.Signed.Head.Root}): the log forked; not signing over it");
            }
        }
    }

    /// <summary>A blob container name: 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.</summary>
    public static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && name[0] != '-' && name[^1] != '-' && !name.Contains("--", StringComparison.Ordinal);

    // One container can hold several task hubs' anchors (one Azure account per deployment): names start with the hub's prefix.
    private string Prefix => storage.Prefix + "/";

    private string NameOf(long size) => Prefix + (long.MaxValue - size).ToString("D19", CultureInfo.InvariantCulture) + ".json";

    private static async Task<AnchoredHead> ReadAsync(BlobContainerClient client, string name, CancellationToken cancellationToken)
    {
        var text = (await client.GetBlobClient(name).DownloadContentAsync(cancellationToken)).Value.Content.ToString();
        return Parse(text) ?? throw new InvalidOperationException($"the anchored tree head {name} does not read as one: not signing over a log whose anchor is unknown");
    }

    internal static AnchoredHead? Parse(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject json)
            {
                return null;
            }

            var frontierHex = json["frontier"] is JsonArray edge ? edge.Select(h => h?.GetValue<string>() ?? string.Empty).ToList() : null;
            var leaves = new List<LogLeaf>();
            foreach (var item in json["leaves"] as JsonArray ?? [])
            {
                if (item?["index"]?.GetValue<long>() is not { } index || !LogLeaf.TryParse(index, item["leaf"]?.GetValue<string>(), out var leaf, out _))
                {
                    return null;
                }

                leaves.Add(leaf);
            }

            json.Remove("frontier");
            json.Remove("leaves");
            if (!SignedTreeHead.TryParse(json.ToJsonString(), out var signed, out _))
            {
                return null;
            }

            MerkleFrontier? frontier = frontierHex is not null && MerkleFrontier.TryParse(signed.Head.Size, frontierHex, out var parsed)
                && Convert.ToHexStringLower(parsed.Root()) == signed.Head.Root ? parsed : null;
            return new AnchoredHead(signed, frontier, leaves);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }
}
