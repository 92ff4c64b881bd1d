using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Tests;

/// <summary>explain for crm-followup, checked field by field against the shipped files.</summary>
public sealed class ExplainTests
{
    private static WorkflowExplanation ExplainCrm(string environment = "local")
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow("crm-followup"));
        return WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue, environment);
    }

    [Fact]
    public void Explain_CrmFollowup_Header()
    {
        var e = ExplainCrm();

        Assert.Equal("crm-followup", e.Name);
        Assert.Equal(1, e.Version);
        Assert.Equal("sales-ops@contoso.example", e.Owner);
        Assert.Equal("local", e.Environment);
        Assert.Equal("shared-app", e.Isolation.Declared);
        Assert.StartsWith("shared-app:", e.Isolation.Summary, StringComparison.Ordinal);
        Assert.True(e.Isolation.Enforcement.Enforced);
        Assert.Equal(["read-account", "read-last-call", "draft-followup", "route-by-tier", "write-followup"], e.Steps.Select(s => s.Id));
        Assert.Equal([1, 2, 3, 4, 5], e.Steps.Select(s => s.Number));
    }

    [Fact]
    public void Explain_SensitiveFieldUnlistedOrKeptInClear_ShowsWhatARunRedactsAndKeeps()
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow("crm-followup"));
        var evidence = loaded.Definition!.Evidence;

        var unlisted = WorkflowExplainer.Explain(loaded.Definition with { Evidence = evidence with { Redact = [] } }, loaded.Catalogue.Catalogue).Evidence;
        var kept = WorkflowExplainer.Explain(loaded.Definition with { Evidence = evidence with { Redact = [], KeepInClear = ["call.transcript"] } }, loaded.Catalogue.Catalogue).Evidence;

        Assert.Equal(["call.transcript"], unlisted.Redacted);
        Assert.Empty(unlisted.SensitiveInClear);
        Assert.Empty(kept.Redacted);
        Assert.Equal(["call.transcript"], kept.SensitiveInClear);
    }

    [Fact]
    public void Explain_CrmFollowup_ReadStep()
    {
        var step = ExplainCrm().Steps[0];

        Assert.Equal(StepKind.Read, step.Kind);
        Assert.Equal("crm-reader", step.Identity);
        Assert.Equal("6f1c0a10-0000-4000-8000-000000000001", step.ClientId);
        Assert.Equal("crm", step.System);
        Assert.Equal("crm.accounts.read", step.Operation);
        Assert.Equal(["crm.accounts.read"], step.Operations);
        Assert.Equal(["region: emea"], step.Records);
        Assert.Empty(step.Fields);
        Assert.True(step.Automatic);
        Assert.Equal("changes nothing", step.Approval);
        Assert.Empty(step.Gates);
    }

    [Fact]
    public void Explain_CrmFollowup_DraftAndRouteSteps()
    {
        var e = ExplainCrm();
        var draft = e.Steps[2];
        var route = e.Steps[3];

        Assert.Equal(("drafter", "6f1c0a10-0000-4000-8000-000000000007", "model"), (draft.Identity, draft.ClientId, draft.System));
        Assert.Equal(["model.completions.create"], draft.Operations);
        Assert.Empty(draft.Records);
        Assert.True(draft.Automatic);
        Assert.Equal(("router", "6f1c0a10-0000-4000-8000-000000000008"), (route.Identity, route.ClientId));
        Assert.Null(route.System);
        Assert.Empty(route.Operations);
        Assert.True(route.Automatic);
    }

    [Fact]
    public void Explain_CrmFollowup_WriteStepIsGatedByRoute()
    {
        var step = ExplainCrm().Steps[4];

        Assert.Equal(StepKind.Write, step.Kind);
        Assert.Equal("crm-writer", step.Identity);
        Assert.Equal("6f1c0a10-0000-4000-8000-000000000002", step.ClientId);
        Assert.Equal("crm.tasks.create", step.Operation);
        Assert.Equal(["crm.tasks.create", "crm.notes.create"], step.Operations);
        Assert.Equal(["region: emea"], step.Records);
        Assert.Equal(["subject", "body", "dueDate", "ownerId"], step.Fields);
        Assert.False(step.Automatic);
        Assert.Equal(["director-review", "manager-review"], step.Gates);
        Assert.Equal(
            "by route route-by-tier:" +
            "\n- account.tier == 'strategic' -> director-review (1 of group emea-sales-directors, person head.of.sales@contoso.example; timeout P3D)" +
            "\n- otherwise -> manager-review (1 of group emea-sales-managers; timeout P2D)",
            step.Approval);
    }

    [Fact]
    public void Explain_CrmFollowup_Gates()
    {
        var gates = ExplainCrm().Gates;

        Assert.Equal(2, gates.Count);
        var manager = gates[0];
        Assert.Equal("manager-review", manager.Id);
        Assert.Equal(["group emea-sales-managers"], manager.Approvers);
        Assert.Equal(1, manager.Quorum);
        Assert.Equal("P2D", manager.Timeout);
        Assert.Equal(["teams", "email"], manager.Channels);
        Assert.Equal(["PT8H", "P1D"], manager.Reminders);
        Assert.Equal(("director-review", "P1D"), (manager.EscalatesTo, manager.EscalatesAfter));
        Assert.True(manager.SeparationOfDuties);
        Assert.Equal("escalate", manager.OnTimeout);
        var director = gates[1];
        Assert.Equal(["group emea-sales-directors", "person head.of.sales@contoso.example"], director.Approvers);
        Assert.Null(director.EscalatesTo);
        Assert.Equal("reject", director.OnTimeout);
    }

    [Fact]
    public void Explain_CrmFollowup_Evidence()
    {
        var evidence = ExplainCrm().Evidence;

        Assert.Equal("P400D", evidence.Retention);
        Assert.Equal(["inputs", "reads", "drafts", "routes", "approvals", "writes", "model-usage"], evidence.Kept);
        Assert.Equal(["call.transcript"], evidence.Redacted);
    }

    [Fact]
    public void Explain_AzureEnvironment_ShowsPlaceholderClientIds()
    {
        var e = ExplainCrm("azure");

        Assert.Equal("${CRM_READER_CLIENT_ID}", e.Steps[0].ClientId);
        Assert.Equal(WorkflowExplainer.NotSet, ExplainCrm("staging").Steps[0].ClientId);
    }

    private static WorkflowExplanation ExplainCallNote(string environment = "local", HostGovernance? host = null)
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow("crm-call-note"));
        return WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue, environment, host);
    }

    [Fact]
    public void Explain_DelegatedRead_SaysWhomItActsForViaWhichAppAndTheIntersection()
    {
        var step = ExplainCallNote().Steps.Single(s => s.Id == "read-my-call");

        Assert.Equal("initiator", step.ActsFor);
        Assert.Equal("6f1c0a10-0000-4000-8000-0000000000a1", step.ClientId);
        Assert.Equal("acts for the initiator (delegated) via app 6f1c0a10-0000-4000-8000-0000000000a1, limited to crm.calls.read on region: emea and to what the person may do in crm", step.Delegation);
        Assert.Equal("changes nothing", step.Approval);
    }

    [Fact]
    public void Explain_DelegatedWrite_SaysTheChangeIsMadeAsThePersonWhoStartedTheRun()
    {
        var step = ExplainCallNote().Steps.Single(s => s.Id == "write-note");

        Assert.Equal("acts for the initiator (delegated) via app 6f1c0a10-0000-4000-8000-0000000000a1, limited to crm.notes.create on region: emea (fields subject, body) and to what the person may do in crm", step.Delegation);
        Assert.False(step.Automatic);
        Assert.Equal($"manager-review (1 of group emea-sales-managers; timeout P2D)\nthe change is made as {WorkflowExplainer.MadeAs}", step.Approval);
    }

    [Fact]
    public void Explain_ServiceIdentitySteps_SayNothingOfDelegation()
    {
        var steps = ExplainCallNote().Steps.Where(s => s.Id is "read-account" or "draft-note").ToList();

        Assert.Equal(2, steps.Count);
        Assert.All(steps, s => Assert.Equal((null, null), (s.ActsFor, s.Delegation)));
        Assert.DoesNotContain("the person who started the run", steps[0].Approval, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_DelegatedStepInAnotherEnvironment_NamesThatEnvironmentsApp()
    {
        var step = ExplainCallNote("azure").Steps.Single(s => s.Id == "read-my-call");

        Assert.StartsWith("acts for the initiator (delegated) via app ${AGENTOPS_API_CLIENT_ID}, limited to", step.Delegation, StringComparison.Ordinal);
    }

    [Fact]
    public void Explain_DelegatedStepOnAHostWithoutTheGuard_LimitsItToThePersonAloneAndSaysWhy()
    {
        var host = new HostGovernance("Development", true, "local", ScopeGuard: false, Evidence: true, ActsForPeople: true);

        var step = ExplainCallNote(host: host).Steps.Single(s => s.Id == "read-my-call");

        Assert.Equal("acts for the initiator (delegated) via app 6f1c0a10-0000-4000-8000-0000000000a1, limited to what the person may do in crm "
            + $"(its declared scope, crm.calls.read on region: emea: {Enforcement.NotEnforced})", step.Delegation);
    }

    [Fact]
    public void Explain_DelegatedStepOnAHostThatActsForNobody_SaysItCannotStartThere()
    {
        var host = new HostGovernance("Production", false, "local", ScopeGuard: true, Evidence: true, ActsForPeople: false);

        var steps = ExplainCallNote(host: host).Steps;

        Assert.EndsWith("; not on this host: it is not set up to act for people (AgentOps:Delegation), so it refuses to start this workflow",
            steps.Single(s => s.Id == "write-note").Delegation, StringComparison.Ordinal);
        Assert.Null(steps.Single(s => s.Id == "read-account").Delegation);
    }

    [Fact]
    public void Explain_SupportRouting_ConditionalGateSaysAutomaticOtherwise()
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow("support-routing"));

        var write = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue).Steps.Single(s => s.Id == "write-assignment");

        Assert.False(write.Automatic);
        Assert.Equal("when ticket.priority in [P1, P2]: support-lead (1 of group support-leads; timeout PT2H); automatic otherwise", write.Approval);
    }

    [Fact]
    public void Explain_CrmFollowup_OnlyEmeaSalesMayStart()
    {
        var starters = ExplainCrm().Starters;

        Assert.Equal(["group emea-sales"], starters.Allowed);
        Assert.Equal("holders of AgentOps.Starter who are also one of: group emea-sales", starters.Summary);
    }

    [Fact]
    public void Explain_NoStarters_AnyoneHoldingTheStarterRole()
    {
        var loaded = WorkflowLoader.Load(TestFiles.Workflow("support-routing"));

        var starters = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue).Starters;

        Assert.Empty(starters.Allowed);
        Assert.Equal("anyone holding the AgentOps.Starter role", starters.Summary);
    }

    [Fact]
    public void Explain_CrmFollowup_InputFieldsWithTheirLimits()
    {
        var e = ExplainCrm();

        Assert.Equal(
            [new InputExplanation("accountId", "string", true, "^ACC-[0-9]{6}$", InputField.DefaultMaxLength, "CRM account id.")],
            e.Input.Take(1));
        Assert.Equal(16384, e.MaxInputBytes);
    }

    [Fact]
    public void Explain_DeclaredMaxLength_IsShown()
    {
        var text = TestFiles.Edit(TestFiles.Read(TestFiles.Workflow("invoice-exceptions")), "    pattern: \"^INV-[0-9]{8}$\"\n", "    pattern: \"^INV-[0-9]{8}$\"\n    maxLength: 10\n");
        var loaded = WorkflowLoader.Parse(text, "invoice-exceptions.yaml", TestFiles.ShippedCatalogue());
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Findings));

        var input = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue).Input;

        Assert.Equal(10, input.Single(f => f.Name == "invoiceId").MaxLength);
    }

    private static WorkflowExplanation Explain(string workflow, Func<string, string>? edit = null)
    {
        var text = (edit ?? (t => t))(TestFiles.Read(TestFiles.Workflow(workflow)));
        var loaded = WorkflowLoader.Parse(text, workflow + ".yaml", TestFiles.ShippedCatalogue());
        Assert.False(loaded.HasErrors, string.Join("\n", loaded.Findings));
        return WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue);
    }

    [Fact]
    public void Explain_SeparateWriter_NamesTheWriterAndItsIdentities()
    {
        var isolation = Explain("invoice-exceptions").Isolation;

        Assert.Equal("separate-writer", isolation.Declared);
        Assert.True(isolation.Enforcement.Enforced);
        Assert.Equal(
            "separate-writer: write steps run in the writer, a separate app that alone holds finance-writer; the main app hands it a signed intent, "
            + "cannot get those identities' tokens, and the writer writes only a change it finds approved",
            isolation.Enforcement.Mark(isolation.Summary));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void Explain_SeparateWriterOnAHost_IsEnforcedOnlyWhereTheHostHasAWriter(bool hostHasWriter, bool enforced)
    {
        var loaded = WorkflowLoader.Parse(TestFiles.Read(TestFiles.Workflow("invoice-exceptions")), "invoice-exceptions.yaml", TestFiles.ShippedCatalogue());
        var host = new HostGovernance("Production", false, "local", true, true, hostHasWriter);

        var isolation = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue, host: host).Isolation;

        Assert.Equal(enforced, isolation.Enforcement.Enforced);
        Assert.Equal(enforced ? null : "this host has no writer (AgentOps:Writer:Url), so it refuses this workflow's writes", isolation.Enforcement.Reason);
    }

    [Fact]
    public void Explain_Gates_ChannelsAndRemindersAreEnforced()
    {
        var manager = ExplainCrm().Gates[0];

        Assert.True(manager.ChannelsEnforcement.Enforced);
        Assert.True(manager.RemindersEnforcement.Enforced);
    }

    [Fact]
    public void Explain_GateWithoutReminders_ClaimsNothingAboutThem()
    {
        var duty = Explain("support-routing").Gates.Single(g => g.Id == "duty-manager");

        Assert.Empty(duty.Reminders);
        Assert.True(duty.RemindersEnforcement.Enforced);
    }

    [Fact]
    public void Explain_EscalationAfterBeforeTheTimeout_IsEnforcedWhateverOnTimeoutSays()
    {
        // manager-review: escalation after P1D, timeout P2D.
        var manager = Explain("crm-followup", t => TestFiles.Edit(t, "    quorum: 1\n    onTimeout: escalate\n", "    quorum: 1\n    onTimeout: reject\n")).Gates[0];

        Assert.True(manager.EscalatesToEnforcement.Enforced);
        Assert.True(manager.EscalatesAfterEnforcement.Enforced);
    }

    [Fact]
    public void Explain_EscalationAfterEqualToTheTimeout_IsEnforced()
    {
        // clerk-approval: escalation after P1D, timeout P1D, onTimeout escalate.
        var clerk = Explain("invoice-exceptions").Gates.Single(g => g.Id == "clerk-approval");

        Assert.True(clerk.EscalatesToEnforcement.Enforced);
        Assert.True(clerk.EscalatesAfterEnforcement.Enforced);
    }

    [Fact]
    public void Explain_EscalationAtTheTimeoutWithOnTimeoutReject_IsDeclaredNotEnforced()
    {
        // clerk-approval escalates after P1D with a P1D timeout; with onTimeout reject the timeout wins. validate refuses
        // such a gate (DAO080); explain still says what it would do.
        var path = TestFiles.Workflow("invoice-exceptions");
        var text = TestFiles.Edit(File.ReadAllText(path), "    onTimeout: escalate\n\n  manager-approval:", "    onTimeout: reject\n\n  manager-approval:");
        var loaded = WorkflowLoader.Parse(text, path, WorkflowLoader.LoadCatalogue(WorkflowLoader.CataloguePathFor(path)));
        var clerk = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue).Gates.Single(g => g.Id == "clerk-approval");

        Assert.Contains(loaded.Findings, f => f.Code == FindingCodes.EscalationNeverFires);
        Assert.False(clerk.EscalatesToEnforcement.Enforced);
        Assert.Equal("escalation.after is not before the timeout, and at the timeout this gate's onTimeout is reject", clerk.EscalatesToEnforcement.Reason);
    }

    [Fact]
    public void Explain_KeepNarrowerThanTheLedger_SaysKeepIsNotEnforced()
    {
        var path = TestFiles.Workflow("crm-followup");
        var text = File.ReadAllText(path).Replace("keep: [inputs, reads, drafts, routes, approvals, writes, model-usage]", "keep: [approvals, writes]", StringComparison.Ordinal);
        var loaded = WorkflowLoader.Parse(text, path, WorkflowLoader.LoadCatalogue(WorkflowLoader.CataloguePathFor(path)));

        var evidence = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue).Evidence;

        Assert.Equal(["approvals", "writes"], evidence.Kept);
        Assert.False(evidence.KeptEnforcement.Enforced);
        Assert.Equal("the ledger keeps every kind of record; keep cannot narrow it", evidence.KeptEnforcement.Reason);
    }

    [Fact]
    public void Explain_Evidence_IsEnforcedByTheLedger()
    {
        var evidence = ExplainCrm().Evidence;

        Assert.True(evidence.Enforcement.Enforced);
        Assert.True(evidence.KeptEnforcement.Enforced); // crm-followup keeps every kind, which is what the ledger does
        Assert.Equal(WorkflowExplainer.LedgerSummary, evidence.Ledger);
    }

    [Fact]
    public void Mark_EnforcedAndDeclaredOnly_TextAloneOrWithTheMarkAndReason()
    {
        Assert.Equal("quorum 2", Enforcement.ByThisHost.Mark("quorum 2"));
        Assert.Equal("teams (declared, not enforced by this host: no notifications are sent)", Enforcement.DeclaredOnly("no notifications are sent").Mark("teams"));
    }
}
