using System.IO.Compression;
using System.Text;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// Everything a task hub's host stored in Azurite, as text (tables, blobs, queued messages; gzip undone), for tests
/// that search it for what must never be stored: a redacted value, a token, a key.
/// </summary>
internal static class StorageScan
{
    public static async Task<List<(string Where, string Text)>> TablesAsync(string connectionString, string hub)
    {
        var service = new TableServiceClient(connectionString);
        var found = new List<(string, string)>();
        await foreach (var table in service.QueryAsync())
        {
            if (!table.Name.StartsWith(hub, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<TableEntity>())
            {
                var text = string.Join("\n", entity.Select(p => p.Value is byte[] bytes ? Decode(bytes) : p.Value?.ToString()));
                found.Add(($"table {table.Name} {entity.PartitionKey}/{entity.RowKey}", text));
            }
        }

        return found;
    }

    public static async Task<List<(string Where, string Text)>> BlobsAsync(string connectionString, string hub)
    {
        var service = new BlobServiceClient(connectionString);
        var found = new List<(string, string)>();
        await foreach (var container in service.GetBlobContainersAsync())
        {
            if (!container.Name.StartsWith(hub, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var client = service.GetBlobContainerClient(container.Name);
            await foreach (var blob in client.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, default))
            {
                var content = (await client.GetBlobClient(blob.Name).DownloadContentAsync()).Value.Content.ToArray();
                found.Add(($"blob {container.Name}/{blob.Name}", Decode(content)));
            }
        }

        return found;
    }

    public static async Task<List<(string Where, string Text)>> QueuesAsync(string connectionString, string hub)
    {
        var service = new QueueServiceClient(connectionString);
        var found = new List<(string, string)>();
        await foreach (var queue in service.GetQueuesAsync())
        {
            if (queue.Name.StartsWith(hub, StringComparison.OrdinalIgnoreCase))
            {
                foreach (var message in (await service.GetQueueClient(queue.Name).PeekMessagesAsync(32)).Value)
                {
                    found.Add(($"queue {queue.Name}", message.Body.ToString()));
                }
            }
        }

        return found;
    }

    /// <summary>Text of stored bytes; the engine gzips large messages and history, so those are unzipped first.</summary>
    public static string Decode(byte[] bytes)
    {
        if (bytes.Length > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
        {
            using var zip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            zip.CopyTo(plain);
            bytes = plain.ToArray();
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
