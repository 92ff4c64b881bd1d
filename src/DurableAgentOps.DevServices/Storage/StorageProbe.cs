using Azure.Data.Tables;

namespace DurableAgentOps.DevServices.Storage;

/// <summary>One table-list call without retries, so unreachable storage is reported in seconds, naming the endpoint.</summary>
internal static class StorageProbe
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Null when storage answers; otherwise why not (endpoint and error, never the key).</summary>
    public static async Task<string?> CheckAsync(string connectionString, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var options = new TableClientOptions();
        options.Retry.MaxRetries = 0;
        options.Retry.NetworkTimeout = timeout;
        var service = SampleTables.CreateService(connectionString, options);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await foreach (var _ in service.QueryAsync(maxPerPage: 1, cancellationToken: deadline.Token))
            {
                break;
            }

            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var why = ex is OperationCanceledException ? $"no answer within {timeout.TotalSeconds:0} s" : FirstLine(ex.GetBaseException().Message);
            return $"table storage at {service.Uri} is unreachable: {why}";
        }
    }

    // The innermost error says what happened ("Connection refused"); Azure SDK messages append headers after line one.
    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();
}
