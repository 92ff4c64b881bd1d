using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests.OwnSystem;

/// <summary>
/// A team connects a system of its own by files alone: a catalogue entry and identities for it, a declaration in
/// systems/, and a workflow; no C#. The system is <see cref="LedgerService"/>, written in this test. A run reads
/// through it, drafts from the template, waits for approval and writes through it, each call under its own identity.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class OwnSystemTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string ReaderClientId = "6f1c0a10-0000-4000-8000-0000000000b1";
    private const string WriterClientId = "6f1c0a10-0000-4000-8000-0000000000b2";
    private const string Fiona = "fiona.finance@contoso.example";

    private const string Olga = "olga.ops@contoso.example";

    private readonly string workflows = Directory.CreateTempSubdirectory("agentops-own-").FullName;
    private readonly string homes = Directory.CreateTempSubdirectory("agentops-own-cli-").FullName;
    private DevServicesProcess dev = null!;
    private LedgerService ledger = null!;
    private HostProcess host = null!;

    public async Task InitializeAsync()
    {
        RepoPaths.CopyCatalogue(workflows);
        var catalogue = Path.Combine(workflows, "identities.yaml");
        var text = await File.ReadAllTextAsync(catalogue);
        text = OwnSystemSetup.Insert(text, "identities:\n", """
              ledger-reader:
                description: Reads ledger entries of EMEA.
                clientIds:
                  local: 6f1c0a10-0000-4000-8000-0000000000b1
                grants:
                  ledger:
                    operations: [entries.read]
                    records:
                      region: [emea]
              ledger-writer:
                description: Posts adjustments to EMEA entries, after approval.
                clientIds:
                  local: 6f1c0a10-0000-4000-8000-0000000000b2
                grants:
                  ledger:
                    operations: [adjustments.create]
                    records:
                      region: [emea]
                    fields: [amount, memo]

            """);
        text = OwnSystemSetup.Insert(text, "systems:\n", """
              ledger:
                kind: business
                description: The team's general ledger (a service of its own).
                resources: [entries, adjustments]

            """);
        await File.WriteAllTextAsync(catalogue, text);
        await File.WriteAllTextAsync(Path.Combine(workflows, "systems", "ledger.yaml"), """
            system: ledger
            kind: http
            description: The team's general ledger.
            resource: api://durableagentops/ledger
            operations:
              entries.read:
                method: GET
                path: /api/v2/entries/{input.entryId}
                record:
                  id: input.entryId
                answer:
                  select: entry
              adjustments.create:
                method: POST
                path: /api/v2/entries/{record.id}/adjustments
                record:
                  id: [input.entryId, entry.id]
                  read: entry
                  attributes:
                    region: entry.region
                body:
                  from: draft.adjustment
                success: [201]
                idempotencyHeader: X-Request-Id
            records:
              entries:
                fields: { id: string, region: string, amount: number, memo: string, payeeAccount: string }
                sensitive: [payeeAccount]
            """);
        await File.WriteAllTextAsync(Path.Combine(workflows, "ledger-adjust.yaml"), """
            name: ledger-adjust
            version: 1
            owner: finance-ops@contoso.example
            description: Read a ledger entry, draft an adjustment, and post it once a finance manager approves.
            isolation: shared-app
            input:
              entryId:
                type: string
                required: true
                pattern: "^E-[0-9]{4}$"
            steps:
              - id: read-entry
                kind: read
                identity: ledger-reader
                system: ledger
                operation: ledger.entries.read
                scope:
                  operations: [ledger.entries.read]
                  records:
                    region: [emea]
              - id: draft-adjustment
                kind: draft
                identity: drafter
                system: model
                operation: model.completions.create
                scope:
                  operations: [model.completions.create]
                from: [read-entry]
                template:
                  target:
                    entryId: "{entry.id}"
                  adjustment:
                    amount: "{entry.amount}"
                    memo: "Reverse {entry.id}: {entry.memo}"
              - id: write-adjustment
                kind: write
                identity: ledger-writer
                system: ledger
                operation: ledger.adjustments.create
                scope:
                  operations: [ledger.adjustments.create]
                  records:
                    region: [emea]
                  fields: [amount, memo]
                from: [draft-adjustment]
                approval: review
            gates:
              review:
                approvers:
                  - group: finance-managers
                channels: [email]
                timeout: P1D
            evidence:
              retention: P30D
            """);

        dev = await DevServicesProcess.StartAsync(azurite, catalogue);
        ledger = await LedgerService.StartAsync(dev.BaseUrl);
        host = await OwnSystemSetup.StartHostAsync(azurite, dev, workflows, "ledger", ledger.BaseUrl);
    }

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        await ledger.DisposeAsync();
        await dev.DisposeAsync();
        Directory.Delete(workflows, recursive: true);
        Directory.Delete(homes, recursive: true);
    }

    [Fact]
    public async Task SystemsCheck_LedgerDeclaredByFile_ReadCalledOnceUnderTheReaderAndTheWriteOnlyDescribed()
    {
        Assert.Equal(0, (await CliAsync("olga", "login", "--dev", Olga, "--authority", dev.Authority)).ExitCode);

        var (code, output, error) = await CliAsync("olga", "systems", "check", "--system", "ledger", "--set", "input.entryId=E-0001");

        Assert.True(code == 0, output + error);
        Assert.Contains("proven    read  ledger.entries.read  as ledger-reader  GET /api/v2/entries/{input.entryId}", output, StringComparison.Ordinal);
        Assert.Contains("described write ledger.adjustments.create  as ledger-writer  POST /api/v2/entries/{record.id}/adjustments", output, StringComparison.Ordinal);
        Assert.Contains("the record has every declared field, each of its type", output, StringComparison.Ordinal);
        var read = Assert.Single(ledger.Requests);
        Assert.Equal(("GET", "/api/v2/entries/E-0001", ReaderClientId, 200), (read.Method, read.Path, read.ClientId, read.Status));
        Assert.DoesNotContain(LedgerService.PayeeAccount, output + error, StringComparison.Ordinal); // field names only, never values
    }

    [Fact]
    public async Task SystemsCheck_RecordNotAsDeclaredOrValueMissing_FailsNamingTheFieldOrTheValue()
    {
        Assert.Equal(0, (await CliAsync("olga", "login", "--dev", Olga, "--authority", dev.Authority)).ExitCode);

        var mistyped = await CliAsync("olga", "systems", "check", "--set", $"input.entryId={LedgerService.LegacyEntry}");
        var unknown = await CliAsync("olga", "systems", "check", "--system", "ledger");
        var notAdministrator = await CliAsync("fiona", "systems", "check", "--system", "ledger");

        Assert.True(mistyped.ExitCode == 1, mistyped.Out + mistyped.Error);
        Assert.Contains("failed    read  ledger.entries.read", mistyped.Out, StringComparison.Ordinal);
        Assert.Contains("mistyped amount: declared number, got string", mistyped.Out, StringComparison.Ordinal);
        Assert.True(unknown.ExitCode == 1, unknown.Out + unknown.Error);
        Assert.Contains("skipped   read  ledger.entries.read", unknown.Out, StringComparison.Ordinal);
        Assert.Contains("give it with --set input.entryId=VALUE", unknown.Out, StringComparison.Ordinal);
        Assert.Equal(4, notAdministrator.ExitCode); // not signed in
        Assert.Equal(0, (await CliAsync("fiona", "login", "--dev", Fiona, "--authority", dev.Authority)).ExitCode);
        var refused = await CliAsync("fiona", "systems", "check", "--system", "ledger");
        Assert.True(refused.ExitCode == 5, refused.Out + refused.Error);
        Assert.Contains("AgentOps.Administrator", refused.Error, StringComparison.Ordinal);
        var restricted = await CliAsync("olga", "systems", "check", "--system", "ledger", "--set", $"input.entryId={LedgerService.RefusedEntry}");
        Assert.True(restricted.ExitCode == 1, restricted.Out + restricted.Error);
        Assert.Contains("ledger answered 403 Forbidden to ledger.entries.read (GET /api/v2/entries/E-0403)", restricted.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(LedgerService.PayeeAccount, restricted.Out + restricted.Error, StringComparison.Ordinal); // the answer's body is never shown
        Assert.Equal(2, ledger.Requests.Count); // only the administrator's checks reached the ledger
    }

    private Task<(int ExitCode, string Out, string Error)> CliAsync(string person, params string[] args) =>
        CliProcess.RunAsync(Path.Combine(homes, person), host.BaseUrl, args);

    [Fact]
    public async Task Run_SystemDeclaredByFileOnly_ReadsDraftsWaitsForApprovalAndWritesUnderEachStepsIdentity()
    {
        Assert.Equal(0, WorkflowSetValidatorErrors());
        var runId = await GovernedRuns.StartAsync(host, dev, "ledger-adjust", new { entryId = "E-0001" });
        var waiting = await GovernedRuns.WaitPhaseAsync(host, runId, "awaiting-approval");
        Assert.DoesNotContain(ledger.Requests, r => r.Method == "POST"); // nothing written before the approval

        await GovernedRuns.ApproveAsync(host, dev, runId, Fiona);
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        var read = Assert.Single(ledger.Requests, r => r.Method == "GET");
        Assert.Equal(("/api/v2/entries/E-0001", ReaderClientId, "ledger-reader", 200), (read.Path, read.ClientId, read.Identity, read.Status));
        var write = Assert.Single(ledger.Requests, r => r.Method == "POST");
        Assert.Equal(("/api/v2/entries/E-0001/adjustments", WriterClientId, "ledger-writer", 201), (write.Path, write.ClientId, write.Identity, write.Status));
        Assert.Equal($"{runId}:write-adjustment:ledger.adjustments.create", write.IdempotencyKey); // the declared header
        var posted = Assert.Single(ledger.Adjustments);
        Assert.Equal("Reverse E-0001: duplicate freight charge", posted["memo"]!.GetValue<string>()); // rendered from the template
        Assert.Equal(120.5, posted["amount"]!.GetValue<double>()); // a lone placeholder keeps the number
        Assert.Contains("ledger.adjustments.create", waiting.ToString(), StringComparison.Ordinal);
        var verified = await GovernedRuns.VerifyAsync(host, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());

        // payeeAccount is sensitive in ledger.yaml and the workflow does not list it: it is redacted all the same.
        var records = await GovernedRuns.EvidenceAsync(host, runId);
        Assert.Contains(records.SelectMany(r => ValuesNamed(r, "payeeAccount")), v => v.StartsWith("«redacted:hmac-sha256:", StringComparison.Ordinal));
        Assert.DoesNotContain(LedgerService.PayeeAccount, string.Join("\n", records.Select(e => e.ToString())), StringComparison.Ordinal);
        Assert.DoesNotContain(LedgerService.PayeeAccount, waiting.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(LedgerService.PayeeAccount, done.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Every string value of a property named <paramref name="name"/>, at any depth.</summary>
    private static IEnumerable<string> ValuesNamed(System.Text.Json.JsonElement element, string name) => element.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => element.EnumerateObject().SelectMany(p =>
            p.Name == name && p.Value.ValueKind == System.Text.Json.JsonValueKind.String ? [p.Value.GetString()!] : ValuesNamed(p.Value, name)),
        System.Text.Json.JsonValueKind.Array => element.EnumerateArray().SelectMany(e => ValuesNamed(e, name)),
        _ => [],
    };

    [Fact]
    public async Task Run_EntryOutsideTheDeclaredRegion_WriteRefusedBeforeTheLedgerIsAsked()
    {
        // E-0002 lives in amer: the read passes (its region is not known before the read), the write's scope does not.
        var runId = await GovernedRuns.StartAsync(host, dev, "ledger-adjust", new { entryId = "E-0002" });
        var done = await GovernedRuns.WaitFinishedAsync(host, runId);

        Assert.NotEqual("completed", done.GetProperty("outcome").GetString());
        Assert.Contains("region", done.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(ledger.Requests, r => r.Method == "POST");
    }

    private int WorkflowSetValidatorErrors() =>
        Core.Loading.WorkflowSetValidator.Validate([workflows]).Errors;
}
