using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Stores;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Where redacted values live instead of durable state: sealed with AES-256-GCM, one blob per (run, digest), so a step
/// that needs a value gets it back by its digest, and deleting a run's vault folder forgets them all.
/// </summary>
public sealed class PayloadVault(GovernanceStorage storage, IOptions<EvidenceOptions> options)
{
    private readonly Lazy<Task<BlobContainerClient>> container = new(async () =>
    {
        var client = storage.Blobs.GetBlobContainerClient(storage.VaultContainer);
        if (storage.CreatesStores)
        {
            await client.CreateIfNotExistsAsync();
        }
        return client;
    });

    private byte[] Key => options.Value.Key
        ?? throw new StepRefusedException($"this workflow redacts values, and {EvidenceOptions.Section}:VaultKey is not set: a redacted value has nowhere to be kept");

    /// <summary>The keyed digest that stands in for a value (HMAC-SHA256, so short values cannot be guessed from it).</summary>
    public string DigestOf(string value) => "hmac-sha256:" + Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(value)));

    public async Task<string> SealAsync(string runId, string value, CancellationToken cancellationToken)
    {
        var digest = DigestOf(value);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedBytes = new byte[plain.Length];
        var tag = new byte[16];
        using (var aes = new AesGcm(Key, tag.Length))
        {
            aes.Encrypt(nonce, plain, sealedBytes, tag, Encoding.UTF8.GetBytes(runId));
        }

        var blob = (await container.Value).GetBlobClient(BlobName(runId, digest));
        await blob.UploadAsync(BinaryData.FromBytes([.. nonce, .. tag, .. sealedBytes]), overwrite: true, cancellationToken);
        return digest;
    }

    public async Task<string?> OpenAsync(string runId, string digest, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = (await (await container.Value).GetBlobClient(BlobName(runId, digest)).DownloadContentAsync(cancellationToken)).Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        if (content.Length < 28)
        {
            return null;
        }

        var plain = new byte[content.Length - 28];
        using var aes = new AesGcm(Key, 16);
        aes.Decrypt(content.AsSpan(0, 12), content.AsSpan(28), content.AsSpan(12, 16), plain, Encoding.UTF8.GetBytes(runId));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>Forgets every redacted value of a run (its evidence retention has passed).</summary>
    public async Task ForgetRunAsync(string runId, CancellationToken cancellationToken)
    {
        var client = await container.Value;
        await foreach (var item in client.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, runId + "/", cancellationToken))
        {
            await client.DeleteBlobIfExistsAsync(item.Name, cancellationToken: cancellationToken);
        }
    }

    private static string BlobName(string runId, string digest) => $"{runId}/{digest.Replace(':', '-')}";
}
