using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

/// <summary>
/// The delegation rules on the shipped crm-call-note and edits of it (each rule's own fixture is under Fixtures/rules
/// and Fixtures/catalogue): what a fixture cannot show alone.
/// </summary>
public sealed class DelegationValidationTests
{
    private static LoadedWorkflow CallNote(Func<string, string>? edit = null) =>
        WorkflowLoader.Parse((edit ?? (t => t))(TestFiles.Read(TestFiles.Workflow("crm-call-note"))), "crm-call-note.yaml", TestFiles.ShippedCatalogue());

    [Fact]
    public void Validate_ShippedCallNote_HasDelegatedReadAndWriteAndNoFinding()
    {
        var loaded = CallNote();

        Assert.Empty(loaded.AllFindings);
        var catalogue = loaded.Catalogue.Catalogue;
        Assert.Equal(
            [("read-account", false), ("read-my-call", true), ("draft-note", false), ("write-note", true)],
            loaded.Definition!.Steps.Select(s => (s.Id, catalogue.Find(s.Identity)!.IsDelegated)));
        Assert.Equal(Delegation.Initiator, loaded.Definition.FindStep("write-note")!.ActsFor);
    }

    [Fact]
    public void Validate_DelegatedIdentityOnAStepCallingAModel_ReportsDelegatedOutsideBusinessCall()
    {
        var loaded = CallNote(t => TestFiles.Edit(t, "    identity: drafter\n", "    identity: crm-rep-reader\n"));

        var finding = Assert.Single(loaded.Findings, f => f.Code == FindingCodes.DelegatedOutsideBusinessCall);
        Assert.Equal("step 'draft-note' calls model system 'model', but identity 'crm-rep-reader' acts for the person who started the run: "
            + "only read and write calls to business systems act for a person; give the step a service identity", finding.Message);
        Assert.Equal(Array.FindIndex(File.ReadAllLines(TestFiles.Workflow("crm-call-note")), l => l == "    identity: drafter") + 1, finding.Line);
    }

    [Fact]
    public void Validate_DelegatedReadMovedBeforeTheReadThatProvidesItsRegion_ReportsDelegatedRecordNotJudged()
    {
        // The account (and with it account.region) is read only after the call is: the guard could not judge the call.
        var loaded = CallNote(t =>
        {
            var account = t[t.IndexOf("  - id: read-account", StringComparison.Ordinal)..t.IndexOf("  - id: read-my-call", StringComparison.Ordinal)];
            var call = t[t.IndexOf("  - id: read-my-call", StringComparison.Ordinal)..t.IndexOf("  - id: draft-note", StringComparison.Ordinal)];
            return TestFiles.Edit(t, account + call, call.Replace("    from: [read-account]\n", string.Empty, StringComparison.Ordinal) + account);
        });

        var finding = Assert.Single(loaded.Findings);
        Assert.Equal(FindingCodes.DelegatedRecordNotJudged, finding.Code);
        Assert.StartsWith("step 'read-my-call' acts for the person who started the run and limits records by 'region', but crm.calls.read takes a record's region from 'account.region', "
            + "which nothing before the call provides (available before step 'read-my-call': input)", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RegionReadByAnIdentityNoRegionLimits_ReportsThatNoSystemVouchesForIt()
    {
        // The account is read by a service identity that no region limits: the CRM would answer any account, so its
        // region is only what the record says, and the guard would judge a value nobody enforced.
        var folder = Directory.CreateTempSubdirectory("agentops-vouch-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(TestFiles.Workflows, "*.yaml", SearchOption.AllDirectories))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(TestFiles.Workflows, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var identities = Path.Combine(folder, WorkflowLoader.CatalogueFileName);
            File.WriteAllText(identities, TestFiles.Edit(File.ReadAllText(identities),
                "        operations: [accounts.read, calls.read]\n        records:\n          region: [emea]\n", "        operations: [accounts.read, calls.read]\n"));
            var workflow = TestFiles.Edit(TestFiles.Read(TestFiles.Workflow("crm-call-note")),
                "      operations: [crm.accounts.read]\n      records:\n        region: [emea]\n", "      operations: [crm.accounts.read]\n");

            var loaded = WorkflowLoader.Parse(workflow, "crm-call-note.yaml", WorkflowLoader.LoadCatalogue(identities));

            var findings = loaded.Findings.Where(f => f.Code == FindingCodes.DelegatedRecordNotJudged).ToList();
            Assert.Equal(2, findings.Count); // the delegated read and the delegated write both take account.region
            Assert.All(findings, f => Assert.Contains("from 'account.region', which no system vouches for: only a read by a service identity limited by 'region' does (no earlier step is one)",
                f.Message, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Validate_ServiceReadMovedBeforeTheReadThatProvidesItsRegion_IsLeftToTheSystem()
    {
        // The same order with a service identity is fine: its token's roles let the system refuse a record out of scope.
        var loaded = CallNote(t =>
        {
            var account = t[t.IndexOf("  - id: read-account", StringComparison.Ordinal)..t.IndexOf("  - id: read-my-call", StringComparison.Ordinal)];
            var call = t[t.IndexOf("  - id: read-my-call", StringComparison.Ordinal)..t.IndexOf("  - id: draft-note", StringComparison.Ordinal)];
            var serviceCall = call.Replace("    from: [read-account]\n", string.Empty, StringComparison.Ordinal).Replace("identity: crm-rep-reader", "identity: crm-reader", StringComparison.Ordinal);
            return TestFiles.Edit(t, account + call, serviceCall + account);
        });

        Assert.DoesNotContain(loaded.Findings, f => f.IsError);
    }
}
