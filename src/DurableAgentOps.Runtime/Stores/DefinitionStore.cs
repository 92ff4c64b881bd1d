using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using DurableAgentOps.Core.Snapshot;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>A definition a run names is not one this deployment holds, or its stored content does not match its hash.</summary>
internal sealed class DefinitionRefusedException(string message) : Exception(message);

/// <summary>
/// The definitions this deployment has run, by workflow name and SHA-256: the run service publishes a snapshot built
/// from a workflow file that validates; an orchestration loads its definition from here by (name, hash) and refuses
/// anything else. So no request body carries the definition a run executes, and none can forge one.
/// </summary>
public sealed class DefinitionStore(GovernanceStorage storage)
{
    private readonly ConcurrentDictionary<string, WorkflowSnapshot> cache = new(StringComparer.Ordinal);
    private readonly Lazy<Task<BlobContainerClient>> container = new(async () =>
    {
        var client = storage.Blobs.GetBlobContainerClient(storage.DefinitionsContainer);
        if (storage.CreatesStores)
        {
            await client.CreateIfNotExistsAsync();
        }
        return client;
    });

    /// <summary>Stores the snapshot under its name and hash (once: a hash names its content for ever).</summary>
    public async Task PublishAsync(WorkflowSnapshot snapshot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (cache.ContainsKey(Key(snapshot.Definition.Name, snapshot.Sha256)))
        {
            return;
        }

        var blob = (await container.Value).GetBlobClient(BlobName(snapshot.Definition.Name, snapshot.Sha256));
        try
        {
            await blob.UploadAsync(BinaryData.FromString(snapshot.ToJson()),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            // Already published (by this host earlier, or another host of the cluster).
        }

        cache[Key(snapshot.Definition.Name, snapshot.Sha256)] = snapshot;
    }

    /// <summary>The deployed definition with this name and hash, its content re-checked against the hash.</summary>
    public async Task<WorkflowSnapshot> LoadAsync(string workflow, string sha256, CancellationToken cancellationToken)
    {
        if (!IsName(workflow) || !IsSha256(sha256))
        {
            throw new DefinitionRefusedException($"'{Bounded(workflow)}' / '{Bounded(sha256)}' is not a workflow name and SHA-256");
        }

        if (cache.TryGetValue(Key(workflow, sha256), out var known))
        {
            return known;
        }

        WorkflowSnapshot snapshot;
        try
        {
            var content = await (await container.Value).GetBlobClient(BlobName(workflow, sha256)).DownloadContentAsync(cancellationToken);
            snapshot = WorkflowSnapshot.FromJson(Encoding.UTF8.GetString(content.Value.Content.ToMemory().Span));
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new DefinitionRefusedException($"no definition of '{workflow}' with SHA-256 {sha256} was deployed on this host");
        }
        catch (JsonException ex)
        {
            throw new DefinitionRefusedException($"the stored definition of '{workflow}' ({sha256}) is not readable: {ex.Message}");
        }

        if (snapshot.Definition.Name != workflow || snapshot.Sha256 != sha256 || !snapshot.IsIntact())
        {
            throw new DefinitionRefusedException($"the stored definition of '{workflow}' does not match its SHA-256 {sha256}: it was altered");
        }

        cache[Key(workflow, sha256)] = snapshot;
        return snapshot;
    }

    private static string BlobName(string workflow, string sha256) => $"{workflow}/{sha256}.json";

    private static string Key(string workflow, string sha256) => workflow + "@" + sha256;

    private static bool IsName(string text) =>
        text.Length is > 0 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static bool IsSha256(string text) => text.Length == 64 && text.All(char.IsAsciiHexDigitLower);

    private static string Bounded(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
