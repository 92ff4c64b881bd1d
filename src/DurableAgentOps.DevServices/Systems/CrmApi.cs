using System.Globalization;
using Azure.Data.Tables;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Storage;

namespace DurableAgentOps.DevServices.Systems;

/// <summary>The sample CRM (audience api://durableagentops/crm): accounts, contacts, calls, tasks and notes.</summary>
internal static class CrmApi
{
    public const string System = "crm";
    public const string RecordAttribute = "region";

    private static readonly string[] TaskFields = ["subject", "body", "dueDate", "ownerId"];
    private static readonly string[] NoteFields = ["subject", "body"];

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var crm = endpoints.MapGroup("/crm");
        crm.MapGet("/accounts/{accountId}", GetAccount).Operation(System, "accounts.read");
        crm.MapGet("/accounts/{accountId}/calls/latest", GetLatestCall).Operation(System, "calls.read");
        crm.MapGet("/calls/{callId}", GetCall).Operation(System, "calls.read");
        crm.MapGet("/contacts/{contactId}", GetContact).Operation(System, "contacts.read");
        crm.MapPost("/accounts/{accountId}/tasks", CreateTask).Operation(System, "tasks.create");
        crm.MapPost("/accounts/{accountId}/notes", CreateNote).Operation(System, "notes.create");

        // What writes left on an account, for tests and the demo: reading the account is enough.
        crm.MapGet("/accounts/{accountId}/tasks", ListTasks).Operation(System, "accounts.read", "tasks.list");
        crm.MapGet("/accounts/{accountId}/notes", ListNotes).Operation(System, "accounts.read", "notes.list");
    }

    private static async Task<IResult> GetAccount(string accountId, SystemCall call, SampleTables tables)
    {
        var (account, problem) = await FindAccountAsync(call, tables, accountId);
        return problem ?? Results.Json(account, DevJson.Options);
    }

    private static async Task<IResult> GetLatestCall(string accountId, SystemCall call, SampleTables tables)
    {
        var (account, problem) = await FindAccountAsync(call, tables, accountId);
        if (problem is not null)
        {
            return problem;
        }

        var calls = await SampleTables.QueryAsync<Call>(tables.CrmCalls, TableClient.CreateQueryFilter($"PartitionKey eq {account!.Id}"), call.Aborted);
        var latest = calls.MaxBy(c => c.Date);
        return latest is null ? call.NotFound($"a call on account {accountId}") : Results.Json(latest, DevJson.Options);
    }

    private static async Task<IResult> GetCall(string callId, SystemCall call, SampleTables tables)
    {
        var found = (await SampleTables.QueryAsync<Call>(tables.CrmCalls, TableClient.CreateQueryFilter($"RowKey eq {callId}"), call.Aborted)).FirstOrDefault();
        if (found is null)
        {
            return call.NotFound($"call {callId}");
        }

        var (_, problem) = await FindAccountAsync(call, tables, found.AccountId, $"{callId} (account {found.AccountId})");
        return problem ?? Results.Json(found, DevJson.Options);
    }

    private static async Task<IResult> GetContact(string contactId, SystemCall call, SampleTables tables)
    {
        var contact = await SampleTables.GetAsync<Contact>(tables.CrmContacts, "contacts", contactId, call.Aborted);
        if (contact is null)
        {
            return call.NotFound($"contact {contactId}");
        }

        var (_, problem) = await FindAccountAsync(call, tables, contact.Value.Record.AccountId, $"{contactId} (account {contact.Value.Record.AccountId})");
        return problem ?? Results.Json(contact.Value.Record, DevJson.Options);
    }

    private static async Task<IResult> CreateTask(string accountId, SystemCall call, SampleTables tables, IdempotentWrites writes, TimeProvider time)
    {
        var (key, fields, body, problem) = await PrepareWriteAsync(call, tables, accountId, TaskFields, "a task");
        if (problem is not null)
        {
            return problem;
        }

        var dueDate = fields.GetValueOrDefault("dueDate");
        if (dueDate is not null && !DateTimeOffset.TryParse(dueDate, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _))
        {
            return call.Invalid("dueDate must be an ISO 8601 date (2026-12-01) or date and time");
        }

        return await writes.CommitAsync(call, tables.CrmActivities, accountId, key, body, () =>
        {
            var task = new CrmTask(NewId("TASK"), accountId, fields["subject"], fields.GetValueOrDefault("body"), dueDate,
                fields.GetValueOrDefault("ownerId"), call.Caller.Subject, time.GetUtcNow(), call.Caller.Delegated?.ActorClientId);
            return new WritePlan([new(TableTransactionActionType.Add, SampleTables.Row(accountId, "task-" + task.Id, task))], StatusCodes.Status201Created, task);
        });
    }

    private static async Task<IResult> CreateNote(string accountId, SystemCall call, SampleTables tables, IdempotentWrites writes, TimeProvider time)
    {
        var (key, fields, body, problem) = await PrepareWriteAsync(call, tables, accountId, NoteFields, "a note");
        if (problem is not null)
        {
            return problem;
        }

        return await writes.CommitAsync(call, tables.CrmActivities, accountId, key, body, () =>
        {
            var note = new Note(NewId("NOTE"), accountId, fields["subject"], fields.GetValueOrDefault("body"), call.Caller.Subject, time.GetUtcNow(), call.Caller.Delegated?.ActorClientId);
            return new WritePlan([new(TableTransactionActionType.Add, SampleTables.Row(accountId, "note-" + note.Id, note))], StatusCodes.Status201Created, note);
        });
    }

    private static Task<IResult> ListTasks(string accountId, SystemCall call, SampleTables tables) => ListAsync<CrmTask>(call, tables, accountId, "task-");

    private static Task<IResult> ListNotes(string accountId, SystemCall call, SampleTables tables) => ListAsync<Note>(call, tables, accountId, "note-");

    private static async Task<IResult> ListAsync<T>(SystemCall call, SampleTables tables, string accountId, string rowPrefix)
    {
        var (_, problem) = await FindAccountAsync(call, tables, accountId);
        if (problem is not null)
        {
            return problem;
        }

        // Row keys sort by prefix: every key starting with "task-" lies between "task-" and "task." ('.' follows '-').
        var upper = rowPrefix[..^1] + ".";
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {accountId} and RowKey ge {rowPrefix} and RowKey lt {upper}");
        var records = await SampleTables.QueryAsync<T>(tables.CrmActivities, filter, call.Aborted);
        return Results.Json(records, DevJson.Options);
    }

    /// <summary>The checks every write makes (<see cref="SystemCall.PrepareWriteAsync"/>) on the account, then a subject.</summary>
    private static async Task<(string Key, Dictionary<string, string> Fields, System.Text.Json.JsonElement Body, IResult? Problem)> PrepareWriteAsync(
        SystemCall call, SampleTables tables, string accountId, string[] known, string what)
    {
        var prepared = await call.PrepareWriteAsync(async () => (await FindAccountAsync(call, tables, accountId)).Problem, known, what);
        return prepared.Problem is null && string.IsNullOrWhiteSpace(prepared.Fields.GetValueOrDefault("subject"))
            ? prepared with { Problem = call.Invalid("subject is required") }
            : prepared;
    }

    /// <summary>The account, or the 404 / 403 (region outside the token's scope) the caller gets instead.</summary>
    private static async Task<(Account? Account, IResult? Problem)> FindAccountAsync(SystemCall call, SampleTables tables, string accountId, string? record = null)
    {
        var found = await SampleTables.GetAsync<Account>(tables.CrmAccounts, "accounts", accountId, call.Aborted);
        if (found is null)
        {
            return (null, call.NotFound($"account {accountId}"));
        }

        var account = found.Value.Record;
        return (account, call.CheckRecord(record ?? accountId, RecordAttribute, account.Region) ?? CheckShared(call, account));
    }

    /// <summary>Row-level security for a person (a delegated caller): only accounts of their CRM teams.</summary>
    private static IResult? CheckShared(SystemCall call, Account account)
    {
        if (call.Caller.Delegated is not { } person)
        {
            return null;
        }

        var teams = SeedData.CrmTeams.GetValueOrDefault(person.UserPrincipalName) ?? [];
        return teams.Contains(account.Team, StringComparer.Ordinal)
            ? null
            : call.Forbidden($"the CRM does not share account {account.Id} with {person.UserPrincipalName}");
    }

    private static string NewId(string prefix) => $"{prefix}-{Convert.ToHexString(Guid.NewGuid().ToByteArray(), 0, 5)}";
}
