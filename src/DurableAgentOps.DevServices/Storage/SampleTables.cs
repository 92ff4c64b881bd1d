using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Storage;

/// <summary>
/// The sample systems' tables. Each row keeps its record as JSON in <c>Data</c>; rows that must change together
/// (a task and its stored reply, a ticket and its assignment) share a partition so one transaction covers them.
/// </summary>
internal sealed class SampleTables
{
    public const string DataColumn = "Data";

    // Row kinds of the tables whose partitions hold two kinds of row: the record and what a decision stored with it.
    public const string TicketRow = "ticket";
    public const string AssignmentRow = "assignment";
    public const string InvoiceRow = "invoice";
    public const string ExceptionRow = "exception";

    private readonly TableServiceClient service;

    public SampleTables(IOptions<DevServicesOptions> options)
    {
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 2;
        tableOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        service = CreateService(options.Value.StorageConnectionString, tableOptions);
        var prefix = options.Value.TablePrefix.ToLowerInvariant();
        CrmAccounts = service.GetTableClient(prefix + "crmaccounts");
        CrmContacts = service.GetTableClient(prefix + "crmcontacts");
        CrmCalls = service.GetTableClient(prefix + "crmcalls");
        CrmActivities = service.GetTableClient(prefix + "crmactivities");
        SupportTickets = service.GetTableClient(prefix + "supporttickets");
        SupportQueues = service.GetTableClient(prefix + "supportqueues");
        FinanceInvoices = service.GetTableClient(prefix + "financeinvoices");
        FinancePurchaseOrders = service.GetTableClient(prefix + "financepurchaseorders");
    }

    /// <summary>PK "accounts", RK account id.</summary>
    public TableClient CrmAccounts { get; }

    /// <summary>PK "contacts", RK contact id.</summary>
    public TableClient CrmContacts { get; }

    /// <summary>PK account id, RK call id.</summary>
    public TableClient CrmCalls { get; }

    /// <summary>PK account id, RK task-*, note-* and idem-* (stored replies of writes).</summary>
    public TableClient CrmActivities { get; }

    /// <summary>PK ticket id, RK ticket, assignment and idem-*.</summary>
    public TableClient SupportTickets { get; }

    /// <summary>PK "queues", RK queue id.</summary>
    public TableClient SupportQueues { get; }

    /// <summary>PK invoice id, RK invoice, exception and idem-*.</summary>
    public TableClient FinanceInvoices { get; }

    /// <summary>PK "purchase-orders", RK PO number.</summary>
    public TableClient FinancePurchaseOrders { get; }

    public IEnumerable<TableClient> All =>
        [CrmAccounts, CrmContacts, CrmCalls, CrmActivities, SupportTickets, SupportQueues, FinanceInvoices, FinancePurchaseOrders];

    /// <summary>The table endpoint, for messages (never the key).</summary>
    public Uri Endpoint => service.Uri;

    public static TableServiceClient CreateService(string connectionString, TableClientOptions options)
    {
        try
        {
            return new TableServiceClient(connectionString, options);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            // Options validation refuses these first; the exception text may quote the key, so it is not repeated.
            throw new DevServicesStartupException("AzureWebJobsStorage is not a valid storage connection string", ex)
            {
                ExitCode = DevServicesStartupException.ConfigurationExitCode,
            };
        }
    }

    public static TableEntity Row<T>(string partition, string row, T record) =>
        new(partition, row) { [DataColumn] = JsonSerializer.Serialize(record, DevJson.Options) };

    public static T Read<T>(TableEntity entity) =>
        JsonSerializer.Deserialize<T>(entity.GetString(DataColumn), DevJson.Options)
            ?? throw new InvalidOperationException($"row {entity.PartitionKey}/{entity.RowKey} has no data");

    public static async Task<(T Record, ETag ETag)?> GetAsync<T>(TableClient table, string partition, string row, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? (Read<T>(response.Value!), response.Value!.ETag) : null;
    }

    public static async Task<List<T>> QueryAsync<T>(TableClient table, string filter, CancellationToken cancellationToken)
    {
        var records = new List<T>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            records.Add(Read<T>(entity));
        }

        return records;
    }
}
