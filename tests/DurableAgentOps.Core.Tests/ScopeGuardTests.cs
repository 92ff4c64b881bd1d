using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Scope;

namespace DurableAgentOps.Core.Tests;

public sealed class ScopeGuardTests
{
    private static readonly LoadedWorkflow Crm = WorkflowLoader.Load(TestFiles.Workflow("crm-followup"));

    private static StepDefinition Step(string id) => Crm.Definition!.FindStep(id)!;

    private static IdentityDefinition Identity(string name) => Crm.Catalogue.Catalogue.Find(name)!;

    private static RecordRef Account(string region) => new("ACC-000001", new Dictionary<string, string> { ["region"] = region });

    private static ScopeViolationException Refused(StepDefinition step, string identity, string operation, RecordRef? record, params string[] fields) =>
        Assert.Throws<ScopeViolationException>(() => ScopeGuard.Check(step, Identity(identity), operation, record, fields));

    [Fact]
    public void Check_WriterCreatesTaskOnEmeaAccount_Allowed()
    {
        ScopeGuard.Check(Step("write-followup"), Identity("crm-writer"), "crm.tasks.create", Account("emea"), ["subject", "body", "dueDate"]);
    }

    [Fact]
    public void Check_ReaderReadsWithUnknownAttributes_Allowed()
    {
        // The account's region is not known before it is read; the CRM enforces it from the token.
        ScopeGuard.Check(Step("read-account"), Identity("crm-reader"), "crm.accounts.read", new RecordRef("ACC-000001", new Dictionary<string, string>()), []);
    }

    [Fact]
    public void Check_AttributeNobodyConstrains_Allowed()
    {
        var record = new RecordRef("ACC-000001", new Dictionary<string, string> { ["region"] = "emea", ["tier"] = "strategic" });

        ScopeGuard.Check(Step("read-account"), Identity("crm-reader"), "crm.accounts.read", record, []);
    }

    [Fact]
    public void Check_IdentityIsNotTheSteps_Refused()
    {
        var error = Refused(Step("write-followup"), "crm-reader", "crm.tasks.create", Account("emea"));

        Assert.Equal("the step runs as crm-writer, not crm-reader", error.Reason);
    }

    [Fact]
    public void Check_ReadStepAttemptsWrite_RefusedAsOutsideStepScope()
    {
        var error = Refused(Step("read-account"), "crm-reader", "crm.tasks.create", Account("emea"), "subject");

        Assert.Equal("ScopeViolation: step 'read-account' (identity crm-reader) may not crm.tasks.create on ACC-000001: operation not in the step's scope (allowed: crm.accounts.read)", error.Message);
        Assert.Equal(("read-account", "crm-reader", "crm.tasks.create", "ACC-000001"), (error.StepId, error.Identity, error.Operation, error.Record));
    }

    [Fact]
    public void Check_DraftStepAttemptsCrmWrite_Refused()
    {
        var error = Refused(Step("draft-followup"), "drafter", "crm.notes.create", null);

        Assert.EndsWith("on any record: operation not in the step's scope (allowed: model.completions.create)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OperationInStepScopeButNotGranted_Refused()
    {
        var step = Step("write-followup");
        var widened = step with { Scope = step.Scope with { Operations = [.. step.Scope.Operations, "crm.accounts.read"] } };

        var error = Refused(widened, "crm-writer", "crm.accounts.read", Account("emea"));

        Assert.Equal("operation not granted to identity crm-writer (granted: crm.tasks.create, crm.notes.create)", error.Reason);
    }

    [Fact]
    public void Check_RecordOutsideStepScope_Refused()
    {
        var error = Refused(Step("write-followup"), "crm-writer", "crm.tasks.create", Account("apac"), "subject");

        Assert.Equal("record region 'apac' is outside the step's scope (allowed: emea)", error.Reason);
    }

    [Fact]
    public void Check_RecordOutsideGrantWhenStepLeavesRecordsOpen_Refused()
    {
        var step = Step("write-followup");
        var open = step with { Scope = step.Scope with { Records = new Dictionary<string, IReadOnlyList<string>>() } };

        var error = Refused(open, "crm-writer", "crm.tasks.create", Account("apac"), "subject");

        Assert.Equal("record region 'apac' is outside the grant of crm-writer (allowed: emea)", error.Reason);
    }

    [Fact]
    public void Check_FieldOutsideStepScope_Refused()
    {
        var step = Step("write-followup");
        var narrow = step with { Scope = step.Scope with { Fields = ["subject", "body"] } };

        var error = Refused(narrow, "crm-writer", "crm.tasks.create", Account("emea"), "subject", "ownerId");

        Assert.Equal("field 'ownerId' is outside the step's scope (allowed: subject, body)", error.Reason);
    }

    [Fact]
    public void Check_StepDeclaresNoFields_RefusesEveryField()
    {
        var step = Step("write-followup");
        var undeclared = step with { Scope = step.Scope with { Fields = [] } };

        var error = Refused(undeclared, "crm-writer", "crm.tasks.create", Account("emea"), "subject");

        Assert.Equal("field 'subject' is outside the step's scope (allowed: none)", error.Reason);
    }

    [Fact]
    public void Check_FieldInStepScopeButNotInGrant_Refused()
    {
        var step = Step("write-followup");
        var widened = step with { Scope = step.Scope with { Fields = [.. step.Scope.Fields, "accountTier"] } };

        var error = Refused(widened, "crm-writer", "crm.tasks.create", Account("emea"), "subject", "accountTier");

        Assert.Equal("field 'accountTier' is not writable by crm-writer (allowed: subject, body, dueDate, ownerId)", error.Reason);
    }

    [Fact]
    public void Check_GrantDeclaresNoFields_RefusesEveryField()
    {
        var writer = Identity("crm-writer");
        var noFields = writer with { Grants = [writer.GrantFor("crm")! with { Fields = [] }] };

        var error = Assert.Throws<ScopeViolationException>(() =>
            ScopeGuard.Check(Step("write-followup"), noFields, "crm.tasks.create", Account("emea"), ["subject"]));

        Assert.Equal("field 'subject' is not writable by crm-writer (allowed: none)", error.Reason);
    }

    [Fact]
    public void Check_WriteWithNoFieldsAtAllWhenNoneDeclared_Allowed()
    {
        var step = Step("write-followup");
        var undeclared = step with { Scope = step.Scope with { Fields = [] } };

        // Nothing to refuse: the rule is about fields written, and this call writes none.
        ScopeGuard.Check(undeclared, Identity("crm-writer"), "crm.tasks.create", Account("emea"), []);
    }

    [Fact]
    public void Check_WriteWhoseRecordDoesNotCarryALimitedAttribute_Refused()
    {
        var step = Step("write-followup");
        var limitedByTeam = step with { Scope = step.Scope with { Records = new Dictionary<string, IReadOnlyList<string>> { ["region"] = ["emea"], ["team"] = ["emea-sales"] } } };

        var unknownTeam = Refused(limitedByTeam, "crm-writer", "crm.tasks.create", Account("emea"), "subject");
        var unknownRegion = Refused(step, "crm-writer", "crm.tasks.create", new RecordRef("ACC-000001", new Dictionary<string, string>()), "subject");

        Assert.StartsWith("the record's team is not known, so the write cannot be judged against the scope", unknownTeam.Reason, StringComparison.Ordinal);
        Assert.StartsWith("the record's region is not known", unknownRegion.Reason, StringComparison.Ordinal);
    }

    private static readonly LoadedWorkflow CallNote = WorkflowLoader.Load(TestFiles.Workflow("crm-call-note"));

    private static StepDefinition DelegatedStep(string id) => CallNote.Definition!.FindStep(id)!;

    private static IdentityDefinition DelegatedIdentity(string name) => CallNote.Catalogue.Catalogue.Find(name)!;

    private static ScopeViolationException RefusedDelegated(StepDefinition step, string identity, string operation, RecordRef? record, params string[] fields) =>
        Assert.Throws<ScopeViolationException>(() => ScopeGuard.Check(step, DelegatedIdentity(identity), operation, record, fields));

    [Fact]
    public void Check_DelegatedReadOfAJudgedRecordInScope_Allowed()
    {
        ScopeGuard.Check(DelegatedStep("read-my-call"), DelegatedIdentity("crm-rep-reader"), "crm.calls.read", Account("emea"), []);
    }

    [Fact]
    public void Check_DelegatedReadWhoseRecordDoesNotCarryALimitedAttribute_Refused()
    {
        // A service identity's read passes with its region unknown (the system checks it from the token's roles); a
        // person's token carries no declared scope, so the guard must judge the record before the call.
        var unknownRegion = new RecordRef("ACC-000001", new Dictionary<string, string>());

        var error = RefusedDelegated(DelegatedStep("read-my-call"), "crm-rep-reader", "crm.calls.read", unknownRegion);

        Assert.StartsWith("the record's region is not known, so the call cannot be judged against the scope: crm-rep-reader acts for a person", error.Reason, StringComparison.Ordinal);
        ScopeGuard.Check(DelegatedStep("read-account"), DelegatedIdentity("crm-reader"), "crm.accounts.read", unknownRegion, []);
    }

    [Fact]
    public void Check_DelegatedReadOfNoRecordUnderALimitedScope_Refused()
    {
        var error = RefusedDelegated(DelegatedStep("read-my-call"), "crm-rep-reader", "crm.calls.read", null);

        Assert.StartsWith("crm-rep-reader acts for a person and the call names no record, so it cannot be judged against the scope (region)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_DelegatedReadOfNoRecordUnderNoLimit_Allowed()
    {
        var step = DelegatedStep("read-my-call");
        var reader = DelegatedIdentity("crm-rep-reader");
        var open = step with { Scope = step.Scope with { Records = new Dictionary<string, IReadOnlyList<string>>() } };
        var openGrant = reader with { Grants = [.. reader.Grants.Select(g => g with { Records = new Dictionary<string, IReadOnlyList<string>>() })] };

        ScopeGuard.Check(open, openGrant, "crm.calls.read", null, []);
    }

    [Fact]
    public void Check_DelegatedReadOutsideTheDeclaredScope_RefusedBeforeTheSystemSeesIt()
    {
        var error = RefusedDelegated(DelegatedStep("read-my-call"), "crm-rep-reader", "crm.calls.read", Account("apac"));

        Assert.Equal("record region 'apac' is outside the step's scope (allowed: emea)", error.Reason);
    }

    [Fact]
    public void Check_DelegatedWriteWhoseRecordDoesNotCarryALimitedAttribute_RefusedLikeAnyWrite()
    {
        var error = RefusedDelegated(DelegatedStep("write-note"), "crm-rep-writer", "crm.notes.create", new RecordRef("ACC-000001", new Dictionary<string, string>()), "body");

        Assert.StartsWith("the record's region is not known, so the write cannot be judged against the scope", error.Reason, StringComparison.Ordinal);
        ScopeGuard.Check(DelegatedStep("write-note"), DelegatedIdentity("crm-rep-writer"), "crm.notes.create", Account("emea"), ["subject", "body"]);
    }

    [Fact]
    public void Check_UnqualifiedOperation_Refused()
    {
        var error = Refused(Step("write-followup"), "crm-writer", "tasks.create", Account("emea"));

        Assert.StartsWith("operation not in the step's scope", error.Reason, StringComparison.Ordinal);
    }
}
