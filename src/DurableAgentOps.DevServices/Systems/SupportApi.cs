using Azure.Data.Tables;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Storage;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>The sample support desk (audience api://durableagentops/support): tickets, queues, assignments.</summary>
internal static class SupportApi
{
    public const string System = "support";
    public const string RecordAttribute = "region";

    private static readonly string[] AssignmentFields = ["queue", "triageSummary"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var support = endpoints.MapGroup("/support");
        support.MapGet("/tickets/{ticketId}", GetTicket).Operation(System, "tickets.read");
        support.MapGet("/queues", ListQueues).Operation(System, "queues.list");
        support.MapPut("/tickets/{ticketId}/assignment", Assign).Operation(System, "assignments.write");

        // The current assignment, for tests and the demo: reading the ticket is enough.
        support.MapGet("/tickets/{ticketId}/assignment", GetAssignment).Operation(System, "tickets.read", "assignments.read");
    }

    private static async Task<IResult> GetTicket(string ticketId, SystemCall call, SampleTables tables)
    {
        var (ticket, problem) = await FindTicketAsync(call, tables, ticketId);
        return problem ?? Results.Json(ticket!.Value.Record, DevJson.Options);
    }

    private static async Task<IResult> ListQueues(SystemCall call, SampleTables tables) =>
        Results.Json(await SampleTables.QueryAsync<Queue>(tables.SupportQueues, "PartitionKey eq 'queues'", call.Aborted), DevJson.Options);

    private static async Task<IResult> GetAssignment(string ticketId, SystemCall call, SampleTables tables)
    {
        var (_, problem) = await FindTicketAsync(call, tables, ticketId);
        if (problem is not null)
        {
            return problem;
        }

        var assignment = await SampleTables.GetAsync<Assignment>(tables.SupportTickets, ticketId, SampleTables.AssignmentRow, call.Aborted);
        return assignment is null ? call.NotFound($"an assignment of ticket {ticketId}") : Results.Json(assignment.Value.Record, DevJson.Options);
    }

    private static async Task<IResult> Assign(string ticketId, SystemCall call, SampleTables tables, IdempotentWrites writes, TimeProvider time)
    {
        (Ticket Record, Azure.ETag ETag)? ticket = null;
        var (key, fields, body, problem) = await call.PrepareWriteAsync(
            async () =>
            {
                (ticket, var notFound) = await FindTicketAsync(call, tables, ticketId);
                return notFound;
            },
            AssignmentFields,
            "an assignment");
        if (problem is not null)
        {
            return problem;
        }

        var queue = fields.GetValueOrDefault("queue");
        if (string.IsNullOrWhiteSpace(queue))
        {
            return call.Invalid("queue is required");
        }

        if (await SampleTables.GetAsync<Queue>(tables.SupportQueues, "queues", queue, call.Aborted) is null)
        {
            return call.Invalid($"queue {queue} does not exist (GET /support/queues lists them)");
        }

        return await writes.CommitAsync(call, tables.SupportTickets, ticketId, key, body, () =>
        {
            var (record, etag) = ticket!.Value;
            var assignment = new Assignment(ticketId, queue, fields.GetValueOrDefault("triageSummary") ?? string.Empty, call.Caller.Subject, time.GetUtcNow());

            // The ticket row moves with its assignment; its ETag makes a concurrent change fail the whole transaction.
            var updated = SampleTables.Row(ticketId, SampleTables.TicketRow, record with { Status = "assigned", Queue = queue });
            return new WritePlan(
                [
                    new(TableTransactionActionType.UpdateReplace, updated, etag),
                    new(TableTransactionActionType.UpsertReplace, SampleTables.Row(ticketId, SampleTables.AssignmentRow, assignment)),
                ],
                StatusCodes.Status200OK,
                assignment);
        });
    }

    private static async Task<((Ticket Record, Azure.ETag ETag)? Ticket, IResult? Problem)> FindTicketAsync(SystemCall call, SampleTables tables, string ticketId)
    {
        var found = await SampleTables.GetAsync<Ticket>(tables.SupportTickets, ticketId, SampleTables.TicketRow, call.Aborted);
        if (found is null)
        {
            return (null, call.NotFound($"ticket {ticketId}"));
        }

        return (found, call.CheckRecord(ticketId, RecordAttribute, found.Value.Record.Region));
    }
}
