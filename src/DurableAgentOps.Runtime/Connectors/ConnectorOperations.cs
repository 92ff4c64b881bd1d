using System.Text.Json.Nodes;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>
/// One call to a system: what it is, which record it touches (and what is known of it), and the body. For a write,
/// <see cref="Source"/> names the run data that holds the record as read (e.g. <c>account</c>), for its values before.
/// </summary>
public sealed record SystemCall(string Operation, string System, HttpMethod Method, string Path, RecordRef? Record, JsonObject? Body, string? Source = null)
{
    public IReadOnlyCollection<string> Fields => Body is null ? [] : Body.Select(p => p.Key).ToList();
}

/// <summary>
/// The typed operations steps may name, and how each becomes an HTTP call from the step's data. Record attributes
/// are filled in when earlier steps made them known (e.g. the draft's target region), so the scope guard can judge.
/// </summary>
internal static class ConnectorOperations
{
    // Where a write's target record comes from: the run's input names it, and the read of that record says where it lives.
    private static readonly WriteTarget Account = new("accountId", "account", "region");
    private static readonly WriteTarget Ticket = new("ticketId", "ticket", "region");
    private static readonly WriteTarget Invoice = new("invoiceId", "invoice", "entity");

    // Each entry gets its own operation name (op) and the step's data (d).
    private static readonly Dictionary<string, Func<string, JsonObject, SystemCall>> Calls = new(StringComparer.Ordinal)
    {
        ["crm.accounts.read"] = (op, d) => Get(op, $"/crm/accounts/{Need(d, "input.accountId")}", Ref(d, "input.accountId")),
        ["crm.calls.read"] = (op, d) => RunData.Text(d, "input.callId") is { } callId
            ? Get(op, $"/crm/calls/{Uri.EscapeDataString(callId)}", Ref(d, "input.callId", ("region", "account.region")))
            : Get(op, $"/crm/accounts/{Need(d, "input.accountId")}/calls/latest", Ref(d, "input.accountId", ("region", "account.region"))),
        ["crm.contacts.read"] = (op, d) => Get(op, $"/crm/contacts/{Need(d, "call.contactId")}", Ref(d, "call.contactId", ("region", "account.region"))),
        ["crm.tasks.create"] = (op, d) => Write(op, HttpMethod.Post, d, "task", Account, id => $"/crm/accounts/{id}/tasks"),
        ["crm.notes.create"] = (op, d) => Write(op, HttpMethod.Post, d, "note", Account, id => $"/crm/accounts/{id}/notes"),
        ["support.tickets.read"] = (op, d) => Get(op, $"/support/tickets/{Need(d, "input.ticketId")}", Ref(d, "input.ticketId")),
        ["support.queues.list"] = (op, _) => Get(op, "/support/queues", null),
        ["support.assignments.write"] = (op, d) => Write(op, HttpMethod.Put, d, "assignment", Ticket, id => $"/support/tickets/{id}/assignment", routeField: "queue"),
        ["finance.invoices.read"] = (op, d) => Get(op, $"/finance/invoices/{Need(d, "input.invoiceId")}", Ref(d, "input.invoiceId")),
        ["finance.purchaseOrders.read"] = (op, d) => RunData.Text(d, "input.purchaseOrderId") is not null
            ? Get(op, $"/finance/purchase-orders/{Need(d, "input.purchaseOrderId")}", Ref(d, "input.purchaseOrderId"))
            : Get(op, $"/finance/purchase-orders/{Need(d, "invoice.poNumber")}", Ref(d, "invoice.poNumber", ("entity", "invoice.entity"))),
        ["finance.exceptions.write"] = (op, d) => Write(op, HttpMethod.Put, d, "exception", Invoice, id => $"/finance/invoices/{id}/exception"),
    };

    // What a read's answer must agree with: a record the input names in passing (a call, a purchase order) must belong
    // to the run's record, or a run gated for one record could carry another record's data.
    private static readonly Dictionary<string, (string Answer, string[] MustEqual)> Belongs = new(StringComparer.Ordinal)
    {
        ["crm.calls.read"] = ("accountId", ["input.accountId", "account.id"]),
        ["crm.contacts.read"] = ("accountId", ["input.accountId", "account.id"]),
        ["finance.purchaseOrders.read"] = ("id", ["invoice.poNumber"]),
    };

    public static bool IsKnown(string operation) => Calls.ContainsKey(operation);

    /// <summary>
    /// Refuses a read whose answer is not about the run's record: e.g. a call (named by <c>input.callId</c>) of another
    /// account, or a purchase order that is not the invoice's.
    /// </summary>
    public static void CheckAnswer(SystemCall call, JsonObject data, JsonNode? answer)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (!Belongs.TryGetValue(call.Operation, out var rule) || answer is not JsonObject record)
        {
            return;
        }

        var actual = record[rule.Answer] is JsonValue value ? value.ToString() : null;
        foreach (var path in rule.MustEqual)
        {
            if (RunData.Text(data, path) is { } expected && actual != expected)
            {
                throw new StepRefusedException(
                    $"{call.Operation} answered a record whose {rule.Answer} is '{actual ?? "(none)"}', but this run's {path} is '{expected}': it is not this run's record");
            }
        }
    }

    /// <summary>The call for <paramref name="operation"/> with <paramref name="data"/>, or a refusal naming what is missing.</summary>
    public static SystemCall Build(string operation, JsonObject data) => Calls.TryGetValue(operation, out var build)
        ? build(operation, data)
        : throw new StepRefusedException($"operation '{operation}' has no connector (known: {string.Join(", ", Calls.Keys)})");

    private static SystemCall Get(string operation, string path, RecordRef? record) =>
        new(operation, operation.Split('.')[0], HttpMethod.Get, path, record, null);

    /// <summary>
    /// A write takes its body from the draft (the exact change the approver saw), but its target record from what the
    /// workflow declares: the run's input, or the record an earlier step read. The model does not choose the record:
    /// a draft whose <c>target</c> names another record, or places it elsewhere, is refused.
    /// <paramref name="routeField"/>, when given, is the body field the route step's choice fills.
    /// </summary>
    private static SystemCall Write(
        string operation, HttpMethod method, JsonObject data, string draftKey, WriteTarget target, Func<string, string> path,
        string? routeField = null)
    {
        var body = (data["draft"]?[draftKey] as JsonObject)?.DeepClone().AsObject()
            ?? throw new StepRefusedException($"operation '{operation}' needs 'draft.{draftKey}' from an earlier draft step");
        if (routeField is not null && RunData.Text(data, "route.to") is { } chosen)
        {
            body[routeField] = chosen;
        }

        var id = RunData.Text(data, $"input.{target.IdKey}") ?? RunData.Text(data, $"{target.Source}.id")
            ?? throw new StepRefusedException($"no target record: neither input.{target.IdKey} nor a read {target.Source} names one");
        if (RunData.Text(data, $"{target.Source}.id") is { } read && read != id)
        {
            throw new StepRefusedException($"the {target.Source} read ('{read}') is not the record the input names ('{id}')");
        }

        if (RunData.Text(data, $"draft.target.{target.IdKey}") is { } drafted && drafted != id)
        {
            throw new StepRefusedException(
                $"the draft names {target.IdKey} '{Bounded(drafted)}', but this run's record is '{id}': the model may not choose the record a write targets");
        }

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var known = RunData.Text(data, $"{target.Source}.{target.Attribute}");
        if (RunData.Text(data, $"draft.target.{target.Attribute}") is { } draftedPlace && draftedPlace != known)
        {
            throw new StepRefusedException(
                $"the draft places {id} in {target.Attribute} '{Bounded(draftedPlace)}', but the {target.Source} read says '{known ?? "(not read)"}'");
        }

        if (known is not null)
        {
            attributes[target.Attribute] = known;
        }

        return new(operation, operation.Split('.')[0], method, path(Uri.EscapeDataString(id)), new RecordRef(id, attributes), body, target.Source);
    }

    private static string Bounded(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static string Need(JsonObject data, string path) => Uri.EscapeDataString(RunData.Text(data, path)
        ?? throw new StepRefusedException($"'{path}' is missing: add the step that provides it to 'from'"));

    /// <summary>The input field naming a write's record, the read step alias that holds it, and the attribute scopes constrain.</summary>
    private sealed record WriteTarget(string IdKey, string Source, string Attribute);

    private static RecordRef? Ref(JsonObject data, string idPath, params (string Attribute, string Path)[] known)
    {
        if (RunData.Text(data, idPath) is not { } id)
        {
            return null;
        }

        var attributes = known.Where(k => RunData.Text(data, k.Path) is not null)
            .ToDictionary(k => k.Attribute, k => RunData.Text(data, k.Path)!, StringComparer.Ordinal);
        return new RecordRef(id, attributes);
    }
}
