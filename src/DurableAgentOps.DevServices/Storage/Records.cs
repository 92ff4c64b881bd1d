using System.Text.Json.Serialization;

namespace DurableAgentOps.DevServices.Storage;

// The sample systems' records, as their APIs return them (camelCase JSON). Fields a workflow redacts in its
// evidence (contact.email, call.transcript, invoice.vendorBankAccount, ticket.customerEmail...) exist here on purpose.
internal sealed record Account(string Id, string Name, string Tier, string Region, string OwnerId, string Team);

internal sealed record Contact(string Id, string AccountId, string Name, string Title, string Email, string Phone);

internal sealed record Call(string Id, string AccountId, DateTimeOffset Date, string Summary, string Outcome, string ContactId, string Transcript);

// CreatedBy is the caller's subject: a workload identity's client id, or for a delegated call the person's object id,
// with ActedBy the acting app's client id (absent for a service caller).
internal sealed record CrmTask(
    string Id, string AccountId, string Subject, string? Body, string? DueDate, string? OwnerId, string CreatedBy, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ActedBy = null);

internal sealed record Note(
    string Id, string AccountId, string Subject, string? Body, string CreatedBy, DateTimeOffset CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ActedBy = null);

internal sealed record Ticket(
    string Id, string Subject, string Description, string Priority, string Category, string Region,
    string Customer, string CustomerEmail, string CustomerPhone, string Status, string? Queue);

internal sealed record Queue(string Id, string Name);

internal sealed record Assignment(string TicketId, string Queue, string TriageSummary, string AssignedBy, DateTimeOffset AssignedAt);

/// <summary>A ticket escalated through the service desk's MCP tool.</summary>
internal sealed record Escalation(string TicketId, string Queue, string Note, string EscalatedBy, DateTimeOffset EscalatedAt);

/// <summary>Seed-time vendor master data; invoices carry the name as <c>vendor</c> and the rest flat beside it.</summary>
internal sealed record Vendor(string Id, string Name, string TaxId, string BankAccount);

internal sealed record Invoice(
    string Id, string Entity, string Vendor, string VendorId, string VendorTaxId, string VendorBankAccount,
    decimal Amount, string Currency, string PoNumber, string Status, string IssuedOn, string DueOn);

internal sealed record PurchaseOrder(string Id, string Entity, string Vendor, string VendorId, decimal Amount, string Currency, string Status, string Requester, string ApprovedOn);

internal sealed record ExceptionDecision(string InvoiceId, string Decision, string Reason, string Summary, string DecidedBy, DateTimeOffset DecidedAt);
