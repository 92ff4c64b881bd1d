namespace DurableAgentOps.Core.Diagnostics;

/// <summary>
/// Stable finding codes. Numbers are never reused: CI filters and docs refer to them.
/// docs/WORKFLOWS.md lists each with an example.
/// </summary>
public static class FindingCodes
{
    // Reading the file.
    public const string FileUnreadable = "DAO000";
    public const string YamlSyntax = "DAO001";
    public const string UnknownKey = "DAO002";
    public const string WrongType = "DAO003";
    public const string MissingField = "DAO004";
    public const string InvalidValue = "DAO005";
    public const string DuplicateKey = "DAO006";
    public const string UnsupportedYaml = "DAO007";

    // Steps.
    public const string DuplicateStepId = "DAO010";
    public const string FromMissingStep = "DAO011";
    public const string FromLaterStep = "DAO012";
    public const string OperationNotInScope = "DAO013";
    public const string OperationSystemMismatch = "DAO014";
    public const string UnknownOperation = "DAO015";
    public const string KindOperationMismatch = "DAO016";
    public const string InvalidCondition = "DAO017";
    public const string InvalidPattern = "DAO018";

    // Identities and scope.
    public const string UnknownIdentity = "DAO020";
    public const string OperationNotGranted = "DAO021";
    public const string FieldNotGranted = "DAO022";
    public const string RecordsWiderThanGrant = "DAO023";
    public const string WriteScopeWithoutFields = "DAO024";

    // Delegated identities (actsFor: initiator): explicit, only on business reads and writes, judged whole before the call.
    public const string DelegatedWriteNotExplicit = "DAO025";
    public const string ActsForServiceIdentity = "DAO026";
    public const string DelegatedOutsideBusinessCall = "DAO027";
    public const string DelegatedInWriter = "DAO028";
    public const string DelegatedRecordNotJudged = "DAO029";

    public const string NonWriteStepHoldsWriteGrant = "DAO030";
    public const string IdentityWritesAndReads = "DAO031";
    public const string DrafterHasBusinessGrants = "DAO032";
    public const string WriterIdentityOutsideWriter = "DAO033";
    public const string SeparateWriterWithMainIdentity = "DAO034";
    public const string SeparateWriterConditionalApproval = "DAO035";

    // Approvals.
    public const string WriteWithoutGate = "DAO040";
    public const string WriteApprovalNone = "DAO041";
    public const string UnknownGate = "DAO042";
    public const string GateWithoutApprovers = "DAO043";
    public const string QuorumTooLarge = "DAO044";
    public const string InvalidDuration = "DAO045";
    public const string EscalationLoop = "DAO046";
    public const string RouteWithoutGate = "DAO047";
    public const string ApprovalOnNonWriteStep = "DAO048";
    public const string TimeoutEscalateWithoutEscalation = "DAO049";

    // Evidence.
    public const string RedactPathMatchesNothing = "DAO060";

    // Systems (workflows/systems/*.yaml).
    public const string OperationNotDeclared = "DAO070";
    public const string DuplicateSystemDeclaration = "DAO071";
    public const string InvalidOperationDeclaration = "DAO072";
    public const string SharedResource = "DAO075";
    public const string FieldNotInSchema = "DAO076";
    public const string RecordWithoutSchema = "DAO077";
    public const string SensitiveFieldKeptInClear = "DAO078";
    public const string KeepInClearNotSensitive = "DAO079";
    public const string TemplateOnNonDraftStep = "DAO073";
    public const string TemplateDataNotAvailable = "DAO074";

    // Gates and evidence that read stronger than they are.
    public const string EscalationNeverFires = "DAO080";
    public const string ReminderNeverSent = "DAO081";
    public const string StarterMayApproveOwnRun = "DAO082";
    public const string EvidenceMissesWhatGatesNeed = "DAO083";
    public const string ConditionTypeMismatch = "DAO084";
    public const string DeclarationFieldNotInSchema = "DAO085";
    public const string PlatformAudience = "DAO086";
    public const string ScopeAttributeNotDeclared = "DAO087";
    public const string RedactedValueRead = "DAO088";

    // Catalogue.
    public const string UnusedGrant = "DAO050";
    public const string UnusedIdentity = "DAO051";
    public const string InvalidClientId = "DAO052";
    public const string UnknownSystem = "DAO053";
    public const string CatalogueMissing = "DAO054";
    public const string UnknownGroup = "DAO055";
    public const string DuplicateObjectId = "DAO056";
    public const string DuplicateClientId = "DAO057";
    public const string WriteGrantWithoutFields = "DAO058";
    public const string DuplicateWorkflowName = "DAO059";

    // Diff: widenings (flagged) and other changes (informational).
    public const string WidenedOperation = "DAO201";
    public const string WidenedField = "DAO202";
    public const string WidenedRecords = "DAO203";
    public const string GateRemoved = "DAO204";
    public const string LongerTimeout = "DAO205";
    public const string SmallerQuorum = "DAO206";
    public const string SeparationOfDutiesOff = "DAO207";
    public const string WiderStarters = "DAO208";
    public const string ConditionChanged = "DAO209";
    public const string ApproversAdded = "DAO210";
    public const string EscalationWeaker = "DAO211";
    public const string IsolationWeaker = "DAO212";
    public const string EvidenceWeaker = "DAO213";
    public const string DeclarationChanged = "DAO214";
    public const string DelegationChanged = "DAO215";
    public const string Changed = "DAO250";
}
