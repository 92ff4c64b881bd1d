using Azure;
using Azure.Data.Tables;

namespace DurableAgentOps.DevServices.Storage;

/// <summary>
/// Fixed sample data for several regions and legal entities, in the id patterns the workflow inputs use. Seeding
/// only adds missing rows, so a restart never undoes what runs wrote.
/// </summary>
internal static class SeedData
{
    public static readonly Account[] Accounts =
    [
        new("ACC-000001", "Fabrikam GmbH", "strategic", "emea", "anna.weber@contoso.example", "emea-enterprise"),
        new("ACC-000002", "Northwind Traders Ltd", "standard", "emea", "james.okafor@contoso.example", "emea-commercial"),
        new("ACC-000003", "Tailspin Toys Inc.", "strategic", "amer", "maria.gonzalez@contoso.example", "amer-enterprise"),
        new("ACC-000004", "Wide World Importers", "standard", "amer", "david.chen@contoso.example", "amer-commercial"),
        new("ACC-000005", "Adventure Works Pty Ltd", "strategic", "apac", "priya.nair@contoso.example", "apac-enterprise"),
        new("ACC-000006", "Coho Winery K.K.", "standard", "apac", "kenji.sato@contoso.example", "apac-commercial"),

        // Hostile on purpose: names and notes that hold markup, so tests see drafts shown as text, never as markup.
        new("ACC-000007", "Litware <b>Labs</b>", "standard", "emea", "james.okafor@contoso.example", "emea-commercial"),
    ];

    /// <summary>
    /// The CRM's own sharing model (row-level security) for people: the teams whose accounts (and their calls, contacts,
    /// notes and tasks) each person may see and write when an app acts for them. Service callers are not limited by it.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> CrmTeams = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase)
    {
        ["alice@contoso.example"] = ["emea-commercial"],
        ["ana.silva@contoso.example"] = ["emea-enterprise", "amer-commercial"],
        ["bob.manager@contoso.example"] = ["emea-commercial"],
    };

    public static readonly Contact[] Contacts =
    [
        new("CNT-000001", "ACC-000001", "Lukas Becker", "Head of Procurement", "lukas.becker@fabrikam.example", "+49 30 5550 1201"),
        new("CNT-000002", "ACC-000001", "Sofia Braun", "CFO", "sofia.braun@fabrikam.example", "+49 30 5550 1202"),
        new("CNT-000003", "ACC-000002", "Oliver Hughes", "Operations Director", "oliver.hughes@northwind.example", "+44 20 5550 2301"),
        new("CNT-000004", "ACC-000002", "Amelia Clarke", "IT Manager", "amelia.clarke@northwind.example", "+44 20 5550 2302"),
        new("CNT-000005", "ACC-000003", "Ethan Walker", "VP Supply Chain", "ethan.walker@tailspin.example", "+1 206 555 0141"),
        new("CNT-000006", "ACC-000003", "Grace Kim", "Procurement Lead", "grace.kim@tailspin.example", "+1 206 555 0142"),
        new("CNT-000007", "ACC-000004", "Noah Patel", "Buyer", "noah.patel@wideworld.example", "+1 312 555 0177"),
        new("CNT-000008", "ACC-000004", "Emma Rossi", "Finance Manager", "emma.rossi@wideworld.example", "+1 312 555 0178"),
        new("CNT-000009", "ACC-000005", "Liam Murphy", "COO", "liam.murphy@adventure-works.example", "+61 2 5550 3301"),
        new("CNT-000010", "ACC-000005", "Chloe Tan", "Category Manager", "chloe.tan@adventure-works.example", "+61 2 5550 3302"),
        new("CNT-000011", "ACC-000006", "Haruto Suzuki", "General Manager", "haruto.suzuki@cohowinery.example", "+81 3 5550 4401"),
        new("CNT-000012", "ACC-000006", "Yui Tanaka", "Purchasing", "yui.tanaka@cohowinery.example", "+81 3 5550 4402"),
        new("CNT-000013", "ACC-000007", "Eve Markup", "Tester", "eve.markup@litware.example", "+44 20 5550 7701"),
    ];

    /// <summary>Two calls per account; the even-numbered one is the latest.</summary>
    public static readonly Call[] Calls =
    [
        Call(1, "ACC-000001", "2026-10-14T09:30:00Z", "Quarterly business review; renewal of 400 seats due in Q1.", "renewal-likely", "CNT-000001"),
        Call(2, "ACC-000001", "2026-11-24T14:00:00Z", "Asked for a volume discount on the renewal and a data-residency statement for the EU.", "follow-up-needed", "CNT-000002"),
        Call(3, "ACC-000002", "2026-10-21T10:15:00Z", "Onboarding check-in; two sites live, third delayed by hardware.", "on-track", "CNT-000003"),
        Call(4, "ACC-000002", "2026-11-25T11:00:00Z", "Reported slow report exports; wants a workshop for the IT team.", "follow-up-needed", "CNT-000004"),
        Call(5, "ACC-000003", "2026-10-30T16:00:00Z", "Pilot results reviewed; expanding to two more distribution centres.", "expansion", "CNT-000005"),
        Call(6, "ACC-000003", "2026-11-23T17:30:00Z", "Procurement needs revised pricing before the budget freeze on 15 December.", "follow-up-needed", "CNT-000006"),
        Call(7, "ACC-000004", "2026-11-02T15:00:00Z", "Routine check-in; no open issues.", "no-action", "CNT-000007"),
        Call(8, "ACC-000004", "2026-11-20T19:00:00Z", "Invoice dispute about duplicate shipping charges.", "follow-up-needed", "CNT-000008"),
        Call(9, "ACC-000005", "2026-10-28T01:00:00Z", "Executive sponsor change; new COO wants a roadmap briefing.", "follow-up-needed", "CNT-000009"),
        Call(10, "ACC-000005", "2026-11-26T02:30:00Z", "Roadmap briefing held; asked for a proposal for the APAC rollout.", "proposal-requested", "CNT-000010"),
        Call(11, "ACC-000006", "2026-11-05T04:00:00Z", "Seasonal demand planning for the export season.", "on-track", "CNT-000011"),
        Call(12, "ACC-000006", "2026-11-27T05:15:00Z", "Wants to add two users and move to annual billing.", "upsell", "CNT-000012"),
        Call(13, "ACC-000007", "2026-11-10T09:00:00Z", "Intro call.", "on-track", "CNT-000013"),
        Call(14, "ACC-000007", "2026-11-28T09:00:00Z",
            "<script>document.title='pwned'</script> <b>bold</b> <img src=x onerror=alert(1)> [click](https://evil.example) **stars**", "follow-up-needed", "CNT-000013"),
    ];

    public static readonly Ticket[] Tickets =
    [
        Ticket(1, "Checkout fails for all EU customers", "Since 08:10 CET every card payment returns error 502 at the last step.", "P1", "technical", "emea", "Fabrikam GmbH", "it-ops@fabrikam.example", "+49 30 5550 1299"),
        Ticket(2, "Invoice charged twice in November", "Our November invoice was debited twice from our account; please refund one.", "P2", "billing", "emea", "Northwind Traders Ltd", "ap@northwind.example", "+44 20 5550 2399"),
        Ticket(3, "How do I export the audit report?", "We cannot find the export button for the quarterly audit report.", "P3", "general", "emea", "Northwind Traders Ltd", "amelia.clarke@northwind.example", "+44 20 5550 2302"),
        Ticket(4, "Add a new administrator", "Please grant admin rights to our new IT lead.", "P4", "access", "emea", "Fabrikam GmbH", "lukas.becker@fabrikam.example", "+49 30 5550 1201"),
        Ticket(5, "API returns 500 for bulk orders", "Bulk order API calls fail with 500 for batches over 100 lines.", "P1", "technical", "amer", "Tailspin Toys Inc.", "dev@tailspin.example", "+1 206 555 0199"),
        Ticket(6, "Credit note missing", "The credit note promised for October has not arrived.", "P3", "billing", "amer", "Wide World Importers", "emma.rossi@wideworld.example", "+1 312 555 0178"),
        Ticket(7, "Dashboards slow in the morning", "Dashboards take over a minute to load between 08:00 and 09:00 AEST.", "P2", "technical", "apac", "Adventure Works Pty Ltd", "chloe.tan@adventure-works.example", "+61 2 5550 3302"),
        Ticket(8, "Change billing contact", "Please send invoices to purchasing from next month.", "P4", "billing", "apac", "Coho Winery K.K.", "yui.tanaka@cohowinery.example", "+81 3 5550 4402"),
    ];

    public static readonly Queue[] Queues =
    [
        new("incident-response", "Incident response"),
        new("billing", "Billing"),
        new("general", "General support"),
        new("access-management", "Access management"),
    ];

    private static readonly Vendor Litware = new("VND-1001", "Litware Components BV", "NL861234567B01", "NL91 ABNA 0417 1643 00");
    private static readonly Vendor Proseware = new("VND-1002", "Proseware Logistics GmbH", "DE811907980", "DE89 3704 0044 0532 0130 00");
    private static readonly Vendor Lamna = new("VND-2001", "Lamna Healthcare Supplies LLC", "94-3217785", "021000021 000123456789");

    public static readonly Invoice[] Invoices =
    [
        Invoice("INV-00000001", "contoso-eu", Litware, 1240.50m, "EUR", "PO-00000001", "mismatch", "2026-11-02", "2026-12-02"),
        Invoice("INV-00000002", "contoso-eu", Proseware, 18750.00m, "EUR", "PO-00000002", "mismatch", "2026-11-09", "2026-12-09"),
        Invoice("INV-00000003", "contoso-eu", Litware, 72400.00m, "EUR", "PO-00000003", "mismatch", "2026-11-16", "2026-12-16"),
        Invoice("INV-00000004", "contoso-eu", Proseware, 9450.00m, "EUR", "PO-00000004", "open", "2026-11-20", "2026-12-20"),
        Invoice("INV-00000005", "contoso-us", Lamna, 3980.00m, "USD", "PO-00000005", "mismatch", "2026-11-12", "2026-12-12"),
        Invoice("INV-00000006", "contoso-us", Lamna, 54100.00m, "USD", "PO-00000006", "mismatch", "2026-11-18", "2026-12-18"),
    ];

    /// <summary>The purchase orders the invoices name; amounts differ where the invoice is a mismatch.</summary>
    public static readonly PurchaseOrder[] PurchaseOrders =
    [
        new("PO-00000001", "contoso-eu", Litware.Name, Litware.Id, 1100.00m, "EUR", "received", "eva.lindqvist@contoso.example", "2026-10-12"),
        new("PO-00000002", "contoso-eu", Proseware.Name, Proseware.Id, 17500.00m, "EUR", "received", "marco.bianchi@contoso.example", "2026-10-20"),
        new("PO-00000003", "contoso-eu", Litware.Name, Litware.Id, 70000.00m, "EUR", "partially-received", "eva.lindqvist@contoso.example", "2026-10-28"),
        new("PO-00000004", "contoso-eu", Proseware.Name, Proseware.Id, 9450.00m, "EUR", "received", "marco.bianchi@contoso.example", "2026-11-01"),
        new("PO-00000005", "contoso-us", Lamna.Name, Lamna.Id, 3500.00m, "USD", "received", "tom.harris@contoso.example", "2026-10-25"),
        new("PO-00000006", "contoso-us", Lamna.Name, Lamna.Id, 49800.00m, "USD", "received", "tom.harris@contoso.example", "2026-10-30"),
    ];

    public static async Task SeedAsync(SampleTables tables, CancellationToken cancellationToken)
    {
        await Task.WhenAll(tables.All.Select(t => t.CreateIfNotExistsAsync(cancellationToken)));
        IEnumerable<(TableClient Table, TableEntity Row)> rows =
        [
            .. Accounts.Select(a => (tables.CrmAccounts, SampleTables.Row("accounts", a.Id, a))),
            .. Contacts.Select(c => (tables.CrmContacts, SampleTables.Row("contacts", c.Id, c))),
            .. Calls.Select(c => (tables.CrmCalls, SampleTables.Row(c.AccountId, c.Id, c))),
            .. Tickets.Select(t => (tables.SupportTickets, SampleTables.Row(t.Id, SampleTables.TicketRow, t))),
            .. Queues.Select(q => (tables.SupportQueues, SampleTables.Row("queues", q.Id, q))),
            .. Invoices.Select(i => (tables.FinanceInvoices, SampleTables.Row(i.Id, SampleTables.InvoiceRow, i))),
            .. PurchaseOrders.Select(p => (tables.FinancePurchaseOrders, SampleTables.Row("purchase-orders", p.Id, p))),
        ];
        await Task.WhenAll(rows.Select(r => AddIfMissingAsync(r.Table, r.Row, cancellationToken)));
    }

    private static async Task AddIfMissingAsync(TableClient table, TableEntity row, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Already there from an earlier start: keep it, with whatever runs changed.
        }
    }

    private static Invoice Invoice(string id, string entity, Vendor vendor, decimal amount, string currency, string poNumber, string status, string issuedOn, string dueOn) =>
        new(id, entity, vendor.Name, vendor.Id, vendor.TaxId, vendor.BankAccount, amount, currency, poNumber, status, issuedOn, dueOn);

    private static Call Call(int number, string accountId, string date, string summary, string outcome, string contactId) =>
        new($"CALL-{number:D8}", accountId, DateTimeOffset.Parse(date, System.Globalization.CultureInfo.InvariantCulture), summary, outcome, contactId,
            $"[transcript of {accountId} call {number}: {summary}]");

    private static Ticket Ticket(int number, string subject, string description, string priority, string category, string region, string customer, string email, string phone) =>
        new($"TCK-{number:D7}", subject, description, priority, category, region, customer, email, phone, "new", null);
}
