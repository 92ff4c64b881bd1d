using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// The changes gates asked approval for, by run and digest (blobs): the approval page shows them without the run's
/// status carrying them. Written once per (run, digest); a retried activity writes the same content again.
/// </summary>
public sealed class ChangeStore(GovernanceStorage storage)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Lazy<Task<BlobContainerClient>> container = new(async () =>
    {
        var client = storage.Blobs.GetBlobContainerClient(storage.ChangesContainer);
        await client.CreateIfNotExistsAsync();
        return client;
    });

    public async Task SaveAsync(string runId, ProposedChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var blob = (await container.Value).GetBlobClient($"{runId}/{change.Digest}.json");
        await blob.UploadAsync(BinaryData.FromObjectAsJson(change, Json), overwrite: true, cancellationToken);
    }

    /// <summary>
    /// The change with this digest in this run, or null when none was asked for or the stored copy is not that change
    /// (altered in storage, unreadable, or stored without its calls by an earlier version): nobody is shown a change
    /// that is not the one the digest, and so the write, stands for. Whoever shows it also checks its seal.
    /// </summary>
    public async Task<ProposedChange?> LoadAsync(string runId, string digest, CancellationToken cancellationToken)
    {
        if (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower))
        {
            return null;
        }

        try
        {
            var content = await (await container.Value).GetBlobClient($"{runId}/{digest}.json").DownloadContentAsync(cancellationToken);
            var change = content.Value.Content.ToObjectFromJson<ProposedChange>(Json);
            return change is not null && change.IsTheChangeOf(digest) ? change : null;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            return null; // a copy that does not even read is not the change either
        }
    }
}
