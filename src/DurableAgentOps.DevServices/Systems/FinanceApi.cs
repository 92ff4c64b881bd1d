using Azure.Data.Tables;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Storage;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>The sample accounts-payable system (audience api://durableagentops/finance): invoices, POs, exceptions.</summary>
internal static class FinanceApi
{
    public const string System = "finance";
    public const string RecordAttribute = "entity";

    private static readonly string[] ExceptionFields = ["decision", "reason", "summary"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var finance = endpoints.MapGroup("/finance");
        finance.MapGet("/invoices/{invoiceId}", GetInvoice).Operation(System, "invoices.read");
        finance.MapGet("/purchase-orders/{poNumber}", GetPurchaseOrder).Operation(System, "purchaseOrders.read");
        finance.MapPut("/invoices/{invoiceId}/exception", Decide).Operation(System, "exceptions.write");

        // The recorded decision, for tests and the demo: reading the invoice is enough.
        finance.MapGet("/invoices/{invoiceId}/exception", GetDecision).Operation(System, "invoices.read", "exceptions.read");
    }

    private static async Task<IResult> GetInvoice(string invoiceId, SystemCall call, SampleTables tables)
    {
        var (invoice, problem) = await FindInvoiceAsync(call, tables, invoiceId);
        return problem ?? Results.Json(invoice!.Value.Record, DevJson.Options);
    }

    private static async Task<IResult> GetPurchaseOrder(string poNumber, SystemCall call, SampleTables tables)
    {
        var found = await SampleTables.GetAsync<PurchaseOrder>(tables.FinancePurchaseOrders, "purchase-orders", poNumber, call.Aborted);
        if (found is null)
        {
            return call.NotFound($"purchase order {poNumber}");
        }

        var order = found.Value.Record;
        return call.CheckRecord(poNumber, RecordAttribute, order.Entity) ?? Results.Json(order, DevJson.Options);
    }

    private static async Task<IResult> GetDecision(string invoiceId, SystemCall call, SampleTables tables)
    {
        var (_, problem) = await FindInvoiceAsync(call, tables, invoiceId);
        if (problem is not null)
        {
            return problem;
        }

        var decision = await SampleTables.GetAsync<ExceptionDecision>(tables.FinanceInvoices, invoiceId, SampleTables.ExceptionRow, call.Aborted);
        return decision is null ? call.NotFound($"an exception decision on invoice {invoiceId}") : Results.Json(decision.Value.Record, DevJson.Options);
    }

    private static async Task<IResult> Decide(string invoiceId, SystemCall call, SampleTables tables, IdempotentWrites writes, TimeProvider time)
    {
        (Invoice Record, Azure.ETag ETag)? invoice = null;
        var (key, fields, body, problem) = await call.PrepareWriteAsync(
            async () =>
            {
                (invoice, var notFound) = await FindInvoiceAsync(call, tables, invoiceId);
                return notFound;
            },
            ExceptionFields,
            "an exception decision");
        if (problem is not null)
        {
            return problem;
        }

        var decision = fields.GetValueOrDefault("decision");
        if (string.IsNullOrWhiteSpace(decision) || decision.Length > 64)
        {
            return call.Invalid("decision is required (at most 64 characters)");
        }

        return await writes.CommitAsync(call, tables.FinanceInvoices, invoiceId, key, body, () =>
        {
            var (record, etag) = invoice!.Value;
            var recorded = new ExceptionDecision(invoiceId, decision, fields.GetValueOrDefault("reason") ?? string.Empty,
                fields.GetValueOrDefault("summary") ?? string.Empty, call.Caller.Subject, time.GetUtcNow());
            var updated = SampleTables.Row(invoiceId, SampleTables.InvoiceRow, record with { Status = "exception-decided" });
            return new WritePlan(
                [
                    new(TableTransactionActionType.UpdateReplace, updated, etag),
                    new(TableTransactionActionType.UpsertReplace, SampleTables.Row(invoiceId, SampleTables.ExceptionRow, recorded)),
                ],
                StatusCodes.Status200OK,
                recorded);
        });
    }

    private static async Task<((Invoice Record, Azure.ETag ETag)? Invoice, IResult? Problem)> FindInvoiceAsync(SystemCall call, SampleTables tables, string invoiceId)
    {
        var found = await SampleTables.GetAsync<Invoice>(tables.FinanceInvoices, invoiceId, SampleTables.InvoiceRow, call.Aborted);
        if (found is null)
        {
            return (null, call.NotFound($"invoice {invoiceId}"));
        }

        return (found, call.CheckRecord(invoiceId, RecordAttribute, found.Value.Record.Entity));
    }
}
