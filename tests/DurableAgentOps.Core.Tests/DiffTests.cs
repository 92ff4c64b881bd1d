using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Diff;
using DurableAgentOps.Core.Loading;

namespace DurableAgentOps.Core.Tests;

/// <summary>diff on pairs of files: each kind of widening is flagged, and only that kind.</summary>
public sealed class DiffTests
{
    private static DiffReport Diff(string workflow, Func<string, string> editWorkflow, Func<string, string>? editCatalogue = null, Func<string, string>? editOldWorkflow = null)
    {
        var catalogueText = TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName));
        var workflowText = TestFiles.Read(TestFiles.Workflow(workflow));
        var oldCatalogue = WorkflowLoader.ParseCatalogue(catalogueText, "old/identities.yaml");
        var newCatalogue = WorkflowLoader.ParseCatalogue((editCatalogue ?? (t => t))(catalogueText), "new/identities.yaml");
        var old = WorkflowLoader.Parse((editOldWorkflow ?? (t => t))(workflowText), "old.yaml", oldCatalogue);
        var @new = WorkflowLoader.Parse(editWorkflow(workflowText), "new.yaml", newCatalogue);
        Assert.False(old.HasErrors);
        Assert.False(@new.HasErrors, string.Join("\n", @new.Findings.Concat(newCatalogue.Findings)));
        return WorkflowDiffer.Compare(old, @new);
    }

    private static Func<string, string> Replace(string from, string to) => text => TestFiles.Edit(text, from, to);

    private static int LineOf(string workflow, string text) =>
        Array.FindIndex(File.ReadAllLines(TestFiles.Workflow(workflow)), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    private static string[] WideningCodes(DiffReport report) => [.. report.Widenings.Select(w => w.Code).Distinct().Order(StringComparer.Ordinal)];

    [Fact]
    public void Compare_SameFiles_ReportsNothing()
    {
        var report = Diff("crm-followup", t => t);

        Assert.Empty(report.Changes);
        Assert.False(report.HasWidening);
    }

    [Fact]
    public void Compare_NewOperationInScopeAndGrant_FlagsOnlyNewOperation()
    {
        var report = Diff(
            "crm-followup",
            Replace("operations: [crm.tasks.create, crm.notes.create]", "operations: [crm.tasks.create, crm.notes.create, crm.contacts.update]"),
            Replace("operations: [tasks.create, notes.create]", "operations: [tasks.create, notes.create, contacts.update]"));

        Assert.Equal([FindingCodes.WidenedOperation], WideningCodes(report));
        var stepWidening = report.Widenings.Single(w => w.File == "new.yaml");
        Assert.Contains("crm.contacts.update", stepWidening.Message, StringComparison.Ordinal);
        Assert.Equal(LineOf("crm-followup", "operations: [crm.tasks.create, crm.notes.create]"), stepWidening.Line);
        Assert.Single(report.Widenings, w => w.File == "new/identities.yaml");
    }

    [Fact]
    public void Compare_NewField_FlagsOnlyNewField()
    {
        var report = Diff(
            "crm-followup",
            Replace("fields: [subject, body, dueDate, ownerId]", "fields: [subject, body, dueDate, ownerId, status]"),
            Replace("fields: [subject, body, dueDate, ownerId]", "fields: [subject, body, dueDate, ownerId, status]"));

        Assert.Equal([FindingCodes.WidenedField], WideningCodes(report));
        Assert.Equal(2, report.Widenings.Count());
    }

    [Fact]
    public void Compare_MoreRecords_FlagsOnlyWiderRecords()
    {
        var report = Diff(
            "support-routing",
            Replace("region: [emea]", "region: [emea, apac]"),
            Replace("region: [emea]", "region: [emea, apac]"));

        Assert.Equal([FindingCodes.WidenedRecords], WideningCodes(report));
    }

    [Fact]
    public void Compare_GateReplacedByApprovalNone_FlagsOnlyRemovedGate()
    {
        var report = Diff(
            "support-routing",
            Replace("    approval:\n      gate: support-lead\n      when: ticket.priority in [P1, P2]\n", "    approval: none\n    justification: Assignments are reversible.\n"));

        Assert.Equal([FindingCodes.GateRemoved], WideningCodes(report));
    }

    [Fact]
    public void Compare_UnconditionalGateMadeConditional_FlagsOnlyRemovedGate()
    {
        var report = Diff(
            "crm-followup",
            Replace("      route: route-by-tier\n", "      route: route-by-tier\n      when: account.tier == 'strategic'\n"));

        Assert.Equal([FindingCodes.GateRemoved], WideningCodes(report));
    }

    [Fact]
    public void Compare_LongerTimeout_FlagsOnlyLongerTimeout()
    {
        var report = Diff("crm-followup", Replace("timeout: P3D", "timeout: P5D"));

        Assert.Equal([FindingCodes.LongerTimeout], WideningCodes(report));
        Assert.Equal("new.yaml", report.Widenings.Single().File);
    }

    [Fact]
    public void Compare_SmallerQuorum_FlagsOnlySmallerQuorum()
    {
        var report = Diff("invoice-exceptions", Replace("quorum: 2", "quorum: 1"));

        Assert.Equal([FindingCodes.SmallerQuorum], WideningCodes(report));
    }

    [Fact]
    public void Compare_SeparationOfDutiesOff_FlagsOnlyThat()
    {
        var report = Diff("crm-followup", Replace("separationOfDuties: true", "separationOfDuties: false"));

        Assert.Equal([FindingCodes.SeparationOfDutiesOff], WideningCodes(report));
    }

    [Fact]
    public void Compare_OnlyNarrowingChanges_ReportsChangesButNoWidening()
    {
        var report = Diff(
            "invoice-exceptions",
            t => Replace("quorum: 2", "quorum: 3")(Replace("timeout: P3D", "timeout: P2D")(Replace("fields: [decision, reason, summary]", "fields: [decision, reason]")(t))));

        Assert.False(report.HasWidening);
        Assert.Equal(3, report.Changes.Count);
        Assert.All(report.Changes, c => Assert.Equal((Severity.Info, FindingCodes.Changed), (c.Severity, c.Code)));
    }

    [Fact]
    public void Compare_NewStep_FlagsItsOperations()
    {
        var report = Diff(
            "support-routing",
            Replace("  - id: draft-triage\n", "  - id: read-queues-again\n    kind: read\n    identity: support-reader\n    system: support\n    operation: support.queues.list\n    scope:\n      operations: [support.queues.list]\n      records:\n        region: [emea]\n\n  - id: draft-triage\n"));

        Assert.Equal([FindingCodes.WidenedOperation], WideningCodes(report));
        Assert.Contains(report.Changes, c => c.Severity == Severity.Info && c.Message.Contains("added", StringComparison.Ordinal));
    }

    private const string CrmStarters = "starters:\n  - group: emea-sales\n";

    [Fact]
    public void Compare_StarterAdded_FlagsWiderStartersOnTheNewStarter()
    {
        var report = Diff("crm-followup", Replace(CrmStarters, CrmStarters + "  - person: temp.contractor@contoso.example\n"));

        Assert.Equal([FindingCodes.WiderStarters], WideningCodes(report));
        var widening = report.Widenings.Single();
        Assert.Equal("new starter: person temp.contractor@contoso.example may now start a run", widening.Message);
        Assert.Equal(LineOf("crm-followup", "- group: emea-sales") + 1, widening.Line);
    }

    [Theory]
    [InlineData("")]
    [InlineData("starters: []\n")]
    public void Compare_StartersRemovedOrEmptied_FlagsWiderStarters(string replacement)
    {
        var report = Diff("crm-followup", Replace(CrmStarters, replacement));

        var widening = Assert.Single(report.Widenings);
        Assert.Equal(FindingCodes.WiderStarters, widening.Code);
        Assert.StartsWith("starters removed: anyone holding AgentOps.Starter may now start a run", widening.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_StarterSwappedForAnother_FlagsTheNewOne()
    {
        var report = Diff("crm-followup", Replace("  - group: emea-sales\n", "  - group: emea-sales-managers\n"));

        Assert.Equal([FindingCodes.WiderStarters], WideningCodes(report));
        Assert.Contains(report.Changes, c => c.Severity == Severity.Info && c.Message == "starter removed: group emea-sales may no longer start a run");
    }

    [Fact]
    public void Compare_StartersAddedWhereAnyoneCouldStart_IsNarrowingOnly()
    {
        var report = Diff("support-routing", Replace("isolation: shared-app\n", "isolation: shared-app\nstarters:\n  - group: support-leads\n"));

        Assert.False(report.HasWidening);
        Assert.Contains(report.Changes, c => c.Message.StartsWith("starters added: only group support-leads", StringComparison.Ordinal));
    }

    [Fact]
    public void Compare_StarterRemovedFromList_IsNarrowingOnly()
    {
        var report = Diff(
            "crm-followup",
            t => t,
            null,
            Replace(CrmStarters, CrmStarters + "  - role: AgentOps.SalesOps\n"));

        Assert.False(report.HasWidening);
        Assert.Single(report.Changes, c => c.Message == "starter removed: role AgentOps.SalesOps may no longer start a run");
    }

    [Fact]
    public void Compare_RouteConditionChanged_FlagsOnlyTheChangedCondition()
    {
        var report = Diff("crm-followup", Replace("when: account.tier == 'strategic'", "when: account.tier == 'key'"));

        Assert.Equal([FindingCodes.ConditionChanged], WideningCodes(report));
        var widening = Assert.Single(report.Widenings);
        Assert.Contains("account.tier == 'strategic' -> strategic-accounts -> account.tier == 'key' -> strategic-accounts", widening.Message, StringComparison.Ordinal);
        Assert.Equal(LineOf("crm-followup", "when: account.tier == 'strategic'"), widening.Line);
    }

    [Fact]
    public void Compare_RoutesReordered_FlagsEachMovedRoute()
    {
        var report = Diff("support-routing", Replace("      - when: ticket.priority == P1\n        to: incident-response\n      - when: ticket.category == 'billing'\n        to: billing",
            "      - when: ticket.category == 'billing'\n        to: billing\n      - when: ticket.priority == P1\n        to: incident-response"));

        Assert.Equal([FindingCodes.ConditionChanged], WideningCodes(report));
        Assert.Equal(2, report.Widenings.Count());
    }

    [Fact]
    public void Compare_ApprovalConditionNarrowed_FlagsConditionChanged()
    {
        var report = Diff("support-routing", Replace("when: ticket.priority in [P1, P2]", "when: ticket.priority in [P1]"));

        Assert.Equal([FindingCodes.ConditionChanged], WideningCodes(report));
    }

    [Fact]
    public void Compare_ApproverAdded_FlagsApproversAdded()
    {
        var report = Diff("crm-followup", Replace("      - group: emea-sales-managers\n", "      - group: emea-sales-managers\n      - person: eve.temp@contoso.example\n"));

        Assert.Equal([FindingCodes.ApproversAdded], WideningCodes(report));
        Assert.Contains("person eve.temp@contoso.example may now approve", Assert.Single(report.Widenings).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_EscalationLater_FlagsEscalationWeaker()
    {
        var report = Diff("crm-followup", Replace("      after: P1D\n", "      after: P2D\n"));

        Assert.Equal([FindingCodes.EscalationWeaker], WideningCodes(report));
    }

    [Fact]
    public void Compare_SeparateWriterToSharedApp_FlagsIsolationWeaker()
    {
        // The writer's identity moves to the main app with it, or the new version would not validate (DAO033).
        var report = Diff("invoice-exceptions", Replace("isolation: separate-writer", "isolation: shared-app"), Replace("    app: writer\n", string.Empty));

        Assert.Equal([FindingCodes.IsolationWeaker], WideningCodes(report));
    }

    [Fact]
    public void Compare_EvidenceShorterThinnerAndUnredacted_FlagsEachWeakening()
    {
        var report = Diff("crm-followup", t => TestFiles.Edit(TestFiles.Edit(TestFiles.Edit(t,
            "retention: P400D", "retention: P30D"),
            "approvals, writes, model-usage]", "approvals, writes]"),
            "  redact: [call.transcript]\n", string.Empty));

        Assert.Equal([FindingCodes.EvidenceWeaker], WideningCodes(report));
        Assert.Equal(3, report.Widenings.Count());
    }

    /// <summary>crm-followup with its catalogue and system declarations loaded from files, crm.yaml and the workflow edited, under <paramref name="folders"/>.</summary>
    private static LoadedWorkflow LoadFromFolder(string folders, string side, Func<string, string> editCrm, Func<string, string>? editWorkflow = null)
    {
        var folder = Directory.CreateDirectory(Path.Combine(folders, side)).FullName;
        File.Copy(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName), Path.Combine(folder, WorkflowLoader.CatalogueFileName));
        var systems = Directory.CreateDirectory(Path.Combine(folder, SystemFiles.FolderName)).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(TestFiles.Workflows, SystemFiles.FolderName)))
        {
            var text = File.ReadAllText(file);
            File.WriteAllText(Path.Combine(systems, Path.GetFileName(file)), Path.GetFileName(file) == "crm.yaml" ? editCrm(text) : text);
        }

        File.WriteAllText(Path.Combine(folder, "crm-followup.yaml"), (editWorkflow ?? (t => t))(File.ReadAllText(TestFiles.Workflow("crm-followup"))));
        var loaded = WorkflowLoader.Load(Path.Combine(folder, "crm-followup.yaml"));
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Findings));
        return loaded;
    }

    [Fact]
    public void Compare_SensitiveFieldKeptInClearOrNoLongerSensitive_FlagsEvidenceWeaker()
    {
        var folders = Directory.CreateTempSubdirectory("dao-diff-").FullName;
        try
        {
            // The shipped file lists call.transcript; without the list it is still redacted, as crm marks it sensitive.
            var old = LoadFromFolder(folders, "old", t => t);
            var unlisted = LoadFromFolder(folders, "unlisted", t => t, Replace("  redact: [call.transcript]\n", string.Empty));
            var keptInClear = LoadFromFolder(folders, "clear", t => t, Replace("  redact: [call.transcript]\n", "  keepInClear: [call.transcript]\n"));
            var unmarked = LoadFromFolder(folders, "unmarked", Replace("    sensitive: [transcript]\n", string.Empty), Replace("  redact: [call.transcript]\n", string.Empty));

            Assert.Empty(WorkflowDiffer.Compare(old, unlisted).Widenings);
            var kept = Assert.Single(WorkflowDiffer.Compare(old, keptInClear).Widenings);
            var notSensitive = Assert.Single(WorkflowDiffer.Compare(old, unmarked).Widenings);

            Assert.Equal(FindingCodes.EvidenceWeaker, kept.Code);
            Assert.Contains("'call.transcript' is no longer redacted (evidence.keepInClear lists it)", kept.Message, StringComparison.Ordinal);
            Assert.Equal(FindingCodes.EvidenceWeaker, notSensitive.Code);
            Assert.Contains("'call.transcript' is no longer redacted (its system no longer marks it sensitive)", notSensitive.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folders, recursive: true);
        }
    }

    [Fact]
    public void Compare_OperationDeclaredDifferently_FlagsDeclarationChanged()
    {
        var folders = Directory.CreateTempSubdirectory("dao-diff-").FullName;
        try
        {
            LoadedWorkflow Load(string side, Func<string, string> editCrm) => LoadFromFolder(folders, side, editCrm);

            var old = Load("old", t => t);
            var @new = Load("new", Replace("path: /crm/accounts/{record.id}/notes", "path: /crm/accounts/{record.id}/notes/bulk"));
            var moved = Load("moved", Replace("resource: api://durableagentops/crm", "resource: api://elsewhere"));
            Assert.False(@new.HasErrors);

            var report = WorkflowDiffer.Compare(old, @new);
            var audience = WorkflowDiffer.Compare(old, moved);

            Assert.Equal([FindingCodes.DeclarationChanged], WideningCodes(report));
            Assert.Contains("crm.notes.create is declared differently", Assert.Single(report.Widenings).Message, StringComparison.Ordinal);
            Assert.Contains("system 'crm' is declared differently", Assert.Single(audience.Widenings).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folders, recursive: true);
        }
    }

    /// <summary>Like <see cref="Diff"/>, but the new version may have errors: they are what the test is about.</summary>
    private static (DiffReport Report, LoadedWorkflow New) DiffWithErrors(string workflow, Func<string, string> editWorkflow, Func<string, string>? editOldWorkflow = null)
    {
        var catalogue = TestFiles.ShippedCatalogue();
        var workflowText = TestFiles.Read(TestFiles.Workflow(workflow));
        var old = WorkflowLoader.Parse((editOldWorkflow ?? (t => t))(workflowText), "old.yaml", catalogue);
        var @new = WorkflowLoader.Parse(editWorkflow(workflowText), "new.yaml", catalogue);
        Assert.False(old.HasErrors, string.Join("\n", old.Findings));
        return (WorkflowDiffer.Compare(old, @new), @new);
    }

    private const string DirectorReviewGate = """
          director-review:
            approvers:
              - group: emea-sales-directors
              - person: head.of.sales@contoso.example
            channels: [teams, email]
            timeout: P3D
            reminders: [P1D]
            quorum: 1
            separationOfDuties: true
            onTimeout: reject

        """;

    [Fact]
    public void Compare_GateDeletedWhileARouteAndAnEscalationStillNameIt_FlagsGateRemovedOnTheOldGate()
    {
        var (report, @new) = DiffWithErrors("crm-followup", Replace(DirectorReviewGate, string.Empty));

        Assert.Contains(@new.Findings, f => f.Code == FindingCodes.UnknownGate);
        var removed = Assert.Single(report.Widenings);
        Assert.Equal(FindingCodes.GateRemoved, removed.Code);
        Assert.Equal(("old.yaml", LineOf("crm-followup", "  director-review:")), (removed.File, removed.Line));
        Assert.Contains("route 'strategic-accounts' of step 'route-by-tier'", removed.Message, StringComparison.Ordinal);
        Assert.Contains("the escalation of gate 'manager-review'", removed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_GateNoLongerNamedAnywhereDeleted_IsANote()
    {
        // The old version has a spare gate no step uses; deleting it changes what no run does.
        var spare = "gates:\n  spare-review:\n    approvers:\n      - group: emea-sales-managers\n    channels: [email]\n    timeout: P1D\n\n";
        var (report, _) = DiffWithErrors("crm-followup", t => t, Replace("gates:\n", spare));

        Assert.False(report.HasWidening);
        Assert.Contains(report.Changes, c => c.Code == FindingCodes.Changed && c.Message == "gate 'spare-review' removed from 'gates'");
    }

    [Fact]
    public void Compare_WriteLosesItsApprovalEntirely_FlagsGateRemovedBesideTheError()
    {
        var (report, @new) = DiffWithErrors("support-routing", Replace("    approval:\n      gate: support-lead\n      when: ticket.priority in [P1, P2]\n", string.Empty));

        Assert.Contains(@new.Findings, f => f.Code == FindingCodes.WriteWithoutGate);
        Assert.Equal([FindingCodes.GateRemoved], WideningCodes(report));
    }

    [Fact]
    public void Compare_ApprovalRenamedToAGateThatDoesNotExist_FlagsGateRemovedOnTheStep()
    {
        var (report, @new) = DiffWithErrors("support-routing", Replace("      gate: support-lead\n", "      gate: support-led\n"));

        Assert.Contains(@new.Findings, f => f.Code == FindingCodes.UnknownGate);
        var removed = Assert.Single(report.Widenings);
        Assert.Equal(FindingCodes.GateRemoved, removed.Code);
        Assert.Equal(("new.yaml", LineOf("support-routing", "      gate: support-lead")), (removed.File, removed.Line));
    }

    [Fact]
    public void Compare_RouteRenamedToAGateThatDoesNotExist_FlagsGateRemovedOnTheRoute()
    {
        var (report, _) = DiffWithErrors("crm-followup", Replace("        gate: director-review\n", "        gate: director-reveiw\n"));

        var removed = Assert.Single(report.Widenings, w => w.Code == FindingCodes.GateRemoved);
        Assert.Contains("route 'strategic-accounts' names gate 'director-reveiw', which is not under 'gates'", removed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_NewVersionWithAnErrorAndAWidening_StillFlagsTheWidening()
    {
        var (report, @new) = DiffWithErrors("crm-followup", t => TestFiles.Edit(
            TestFiles.Edit(t, "timeout: P3D", "timeout: P5D"), "identity: crm-reader\n    system: crm\n    operation: crm.calls.read", "identity: crm-raeder\n    system: crm\n    operation: crm.calls.read"));

        Assert.True(@new.HasErrors);
        Assert.Equal([FindingCodes.LongerTimeout], WideningCodes(report));
    }

    public static TheoryData<string> RuleFixtures() => RuleFixtureTests.RuleFixtures();

    [Theory]
    [MemberData(nameof(RuleFixtures))]
    public void Compare_EachRuleFixtureAgainstItsValidBase_NeverThrows(string fixture)
    {
        var folder = Path.Combine(TestFiles.Fixtures, "rules");
        var valid = WorkflowLoader.Load(Path.Combine(folder, "valid.yaml"));
        var broken = WorkflowLoader.Load(Path.Combine(folder, fixture + ".yaml"));
        if (broken.Definition is null)
        {
            return; // unreadable (a syntax error): diff says so and compares nothing
        }

        var forward = WorkflowDiffer.Compare(valid, broken);
        var backward = WorkflowDiffer.Compare(broken, valid);

        Assert.All(forward.Changes.Concat(backward.Changes), c => Assert.True(c.Line >= 1 && c.Column >= 1));
    }

    private const string RepReader = "identity: crm-rep-reader\n";

    [Fact]
    public void Compare_StepMovedFromAServiceIdentityToADelegatedOne_FlagsDelegationChanged()
    {
        var report = Diff("crm-call-note", t => t, editOldWorkflow: Replace(RepReader, "identity: crm-reader\n"));

        Assert.Equal([FindingCodes.DelegationChanged], WideningCodes(report));
        var flagged = Assert.Single(report.Widenings);
        Assert.Equal("step 'read-my-call' now acts for the person who started the run: identity 'crm-rep-reader' is delegated (actsFor: initiator), 'crm-reader' was a service identity", flagged.Message);
        Assert.Equal(("new.yaml", LineOf("crm-call-note", RepReader.TrimEnd())), (flagged.File, flagged.Line));
    }

    [Fact]
    public void Compare_StepMovedFromADelegatedIdentityToAServiceOne_FlagsDelegationChanged()
    {
        var report = Diff("crm-call-note", Replace(RepReader, "identity: crm-reader\n"));

        // crm-reader may also read accounts, which crm-rep-reader could not: that widening is flagged on its own.
        Assert.Equal([FindingCodes.WidenedOperation, FindingCodes.DelegationChanged], WideningCodes(report));
        Assert.Equal(
            "step 'read-my-call' no longer acts for the person who started the run: identity 'crm-reader' is a service identity acting under its own authority, no longer limited to what the person may do ('crm-rep-reader' was delegated)",
            Assert.Single(report.Widenings, w => w.Code == FindingCodes.DelegationChanged).Message);
    }

    [Fact]
    public void Compare_CatalogueIdentityLosesActsFor_FlagsDelegationChangedOnTheCatalogue()
    {
        // A service identity has a client id of its own: it may not share the acting app's (DAO057).
        var report = Diff("crm-call-note", t => t, Replace(
            "  crm-rep-reader:\n    description: Reads calls as the person who started the run; sees only what that person may see in the CRM.\n    actsFor: initiator\n    clientIds:\n      local: 6f1c0a10-0000-4000-8000-0000000000a1\n      azure: ${AGENTOPS_API_CLIENT_ID}\n",
            "  crm-rep-reader:\n    description: Reads calls.\n    clientIds:\n      local: 6f1c0a10-0000-4000-8000-0000000000b1\n      azure: ${CRM_REP_READER_CLIENT_ID}\n"));

        Assert.Equal([FindingCodes.DelegationChanged], WideningCodes(report));
        var flagged = Assert.Single(report.Widenings);
        Assert.Equal("new/identities.yaml", flagged.File);
        Assert.Equal("identity 'crm-rep-reader' no longer acts for the person who started the run: step(s) 'read-my-call' now act under its own authority, no longer limited to what the person may do", flagged.Message);
    }

    [Fact]
    public void Compare_CatalogueIdentityGainsActsFor_FlagsDelegationChangedOnItsActsForLine()
    {
        const string reader = "  crm-reader:\n    description: Reads EMEA accounts and their call history; cannot change anything.\n";
        var catalogue = Replace(reader, reader + "    actsFor: initiator\n");

        var report = Diff("crm-followup", t => t, catalogue);

        Assert.Equal([FindingCodes.DelegationChanged], WideningCodes(report));
        var flagged = Assert.Single(report.Widenings);
        var line = Array.FindIndex(catalogue(TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName))).Split('\n'), l => l == "    actsFor: initiator") + 1;
        Assert.Equal(("new/identities.yaml", line), (flagged.File, flagged.Line));
        Assert.Equal("identity 'crm-reader' now acts for the person who started the run (actsFor: initiator): step(s) 'read-account', 'read-last-call' run as that person", flagged.Message);
    }

    [Fact]
    public void Compare_StepStartsSayingActsFor_FlagsDelegationChanged()
    {
        var report = Diff("crm-call-note", Replace(RepReader, RepReader + "    actsFor: initiator\n"));

        Assert.Equal([FindingCodes.DelegationChanged], WideningCodes(report));
        Assert.Equal("step 'read-my-call' now says 'actsFor: initiator': it acts for the person who started the run", Assert.Single(report.Widenings).Message);
    }

    [Fact]
    public void Compare_StepStopsSayingActsFor_FlagsDelegationChangedBesideTheError()
    {
        var (report, @new) = DiffWithErrors("crm-call-note", Replace("    actsFor: initiator\n", string.Empty));

        Assert.Contains(@new.Findings, f => f.Code == FindingCodes.DelegatedWriteNotExplicit);
        Assert.Equal([FindingCodes.DelegationChanged], WideningCodes(report));
        Assert.Equal("step 'write-note' no longer says 'actsFor: initiator'", Assert.Single(report.Widenings).Message);
    }

    [Fact]
    public void Compare_NewDelegatedStep_FlagsDelegationChanged()
    {
        var report = Diff("crm-call-note", t => t, editOldWorkflow: t => TestFiles.Edit(TestFiles.Edit(t,
            t[t.IndexOf("  - id: read-my-call", StringComparison.Ordinal)..t.IndexOf("  - id: draft-note", StringComparison.Ordinal)], string.Empty),
            "from: [read-account, read-my-call]", "from: [read-account]").Replace("        body: \"{call.summary} Outcome: {call.outcome}.\"", "        body: \"{account.name}\"", StringComparison.Ordinal)
            .Replace("  redact: [call.transcript]\n", string.Empty, StringComparison.Ordinal));

        Assert.Contains(report.Widenings, w => w.Code == FindingCodes.DelegationChanged
            && w.Message == "new step 'read-my-call' acts for the person who started the run (identity 'crm-rep-reader', actsFor: initiator)");
    }
}
