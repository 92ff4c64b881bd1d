using System.Text.Json.Nodes;
using DurableAgentOps.Core.Scope;
using DurableAgentOps.Runtime.Workflows;

namespace DurableAgentOps.Runtime.Connectors;

/// <summary>One call to a system: what it is, which record it touches (and what is known of it), and the body.</summary>
public sealed record SystemCall(string Operation, string System, HttpMethod Method, string Path, RecordRef? Record, JsonObject? Body)
{
    public IReadOnlyCollection<string> Fields => Body is null ? [] : Body.Select(p => p.Key).ToList();
}

/// <summary>
/// The typed operations steps may name, and how each becomes an HTTP call from the step's data. Record attributes
/// are filled in when earlier steps made them known (e.g. the draft's target region), so the scope guard can judge.
/// </summary>
public static class ConnectorOperations
{
    // Each entry gets its own operation name (op) and the step's data (d).
    private static readonly Dictionary<string, Func<string, JsonObject, SystemCall>> Calls = new(StringComparer.Ordinal)
    {
        ["crm.accounts.read"] = (op, d) => Get(op, $"/crm/accounts/{Need(d, "input.accountId")}", Ref(d, "input.accountId")),
        ["crm.calls.read"] = (op, d) => RunData.Text(d, "input.callId") is { } callId
            ? Get(op, $"/crm/calls/{Uri.EscapeDataString(callId)}", Ref(d, "input.callId", ("region", "account.region")))
            : Get(op, $"/crm/accounts/{Need(d, "input.accountId")}/calls/latest", Ref(d, "input.accountId", ("region", "account.region"))),
        ["crm.contacts.read"] = (op, d) => Get(op, $"/crm/contacts/{Need(d, "call.contactId")}", Ref(d, "call.contactId", ("region", "account.region"))),
        ["crm.tasks.create"] = (op, d) => Write(op, HttpMethod.Post, d, "task", ("accountId", "region"), id => $"/crm/accounts/{id}/tasks"),
        ["crm.notes.create"] = (op, d) => Write(op, HttpMethod.Post, d, "note", ("accountId", "region"), id => $"/crm/accounts/{id}/notes"),
        ["support.tickets.read"] = (op, d) => Get(op, $"/support/tickets/{Need(d, "input.ticketId")}", Ref(d, "input.ticketId")),
        ["support.queues.list"] = (op, _) => Get(op, "/support/queues", null),
        ["support.assignments.write"] = (op, d) => Write(op, HttpMethod.Put, d, "assignment", ("ticketId", "region"), id => $"/support/tickets/{id}/assignment", routeField: "queue"),
        ["finance.invoices.read"] = (op, d) => Get(op, $"/finance/invoices/{Need(d, "input.invoiceId")}", Ref(d, "input.invoiceId")),
        ["finance.purchaseOrders.read"] = (op, d) => RunData.Text(d, "input.purchaseOrderId") is not null
            ? Get(op, $"/finance/purchase-orders/{Need(d, "input.purchaseOrderId")}", Ref(d, "input.purchaseOrderId"))
            : Get(op, $"/finance/purchase-orders/{Need(d, "invoice.poNumber")}", Ref(d, "invoice.poNumber", ("entity", "invoice.entity"))),
        ["finance.exceptions.write"] = (op, d) => Write(op, HttpMethod.Put, d, "exception", ("invoiceId", "entity"), id => $"/finance/invoices/{id}/exception"),
    };

    public static bool IsKnown(string operation) => Calls.ContainsKey(operation);

    /// <summary>The call for <paramref name="operation"/> with <paramref name="data"/>, or a refusal naming what is missing.</summary>
    public static SystemCall Build(string operation, JsonObject data) => Calls.TryGetValue(operation, out var build)
        ? build(operation, data)
        : throw new StepRefusedException($"operation '{operation}' has no connector (known: {string.Join(", ", Calls.Keys)})");

    private static SystemCall Get(string operation, string path, RecordRef? record) =>
        new(operation, operation.Split('.')[0], HttpMethod.Get, path, record, null);

    /// <summary>
    /// A write takes its body from the draft (the exact change the approver saw) and its target record from it;
    /// <paramref name="routeField"/>, when given, is the body field the route step's choice fills.
    /// </summary>
    private static SystemCall Write(
        string operation, HttpMethod method, JsonObject data, string draftKey, (string Id, string Attribute) target, Func<string, string> path,
        string? routeField = null)
    {
        var body = (data["draft"]?[draftKey] as JsonObject)?.DeepClone().AsObject()
            ?? throw new StepRefusedException($"operation '{operation}' needs 'draft.{draftKey}' from an earlier draft step");
        if (routeField is not null && RunData.Text(data, "route.to") is { } chosen)
        {
            body[routeField] = chosen;
        }

        var id = Target(data, target.Id);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (RunData.Text(data, $"draft.target.{target.Attribute}") is { } value)
        {
            attributes[target.Attribute] = value;
        }

        return new(operation, operation.Split('.')[0], method, path(Uri.EscapeDataString(id)), new RecordRef(id, attributes), body);
    }

    private static string Target(JsonObject data, string key) =>
        RunData.Text(data, $"draft.target.{key}") ?? RunData.Text(data, $"input.{key}")
        ?? throw new StepRefusedException($"no target {key}: neither draft.target.{key} nor input.{key} is set");

    private static string Need(JsonObject data, string path) => Uri.EscapeDataString(RunData.Text(data, path)
        ?? throw new StepRefusedException($"'{path}' is missing: add the step that provides it to 'from'"));

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
