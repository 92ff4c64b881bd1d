namespace DurableAgentOps.Runtime.Telemetry;

/// <summary>Attribute names on spans and metrics: the product's under <c>agentops.</c>, the rest OpenTelemetry's own.</summary>
internal static class TelemetryTags
{
    public const string Workflow = "agentops.workflow";
    public const string DefinitionSha256 = "agentops.definition.sha256";
    public const string RunId = "agentops.run.id";
    public const string RunOutcome = "agentops.run.outcome";
    public const string StepId = "agentops.step.id";
    public const string StepKind = "agentops.step.kind";
    public const string StepOutcome = "agentops.step.outcome";
    public const string Identity = "agentops.identity.name";
    public const string ClientId = "agentops.identity.client_id";
    public const string System = "agentops.system";
    public const string Operation = "agentops.operation";
    public const string Gate = "agentops.gate.id";
    public const string Decision = "agentops.decision.outcome";
    public const string Channel = "agentops.decision.channel";
    public const string NoticeKind = "agentops.notice.kind";
    public const string Recipients = "agentops.notice.recipients";
    public const string Sent = "agentops.notice.sent";
    public const string Failures = "agentops.notice.failures";
    public const string Records = "agentops.evidence.records";
    public const string Final = "agentops.evidence.final";
    public const string ToLog = "agentops.evidence.to_log";
    public const string EvidenceOutcome = "agentops.evidence.outcome";
    public const string HttpMethod = "http.request.method";
    public const string HttpStatus = "http.response.status_code";
    public const string ErrorType = "error.type";
}
