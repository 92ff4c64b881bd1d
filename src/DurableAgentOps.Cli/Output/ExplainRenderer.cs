using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Governance;

namespace DurableAgentOps.Cli.Output;

/// <summary>Renders an explanation for a terminal (ASCII tables), a pull request (Markdown) or a tool (JSON).</summary>
internal static class ExplainRenderer
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The explanation model as is, so tools read the same answers the tables show.</summary>
    public static string Json(WorkflowExplanation e) => JsonSerializer.Serialize(e, JsonOptions) + Environment.NewLine;

    public static string Table(WorkflowExplanation e)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{e.Name} v{e.Version} (owner {e.Owner})");
        text.AppendLine(e.Description);
        text.AppendLine(CultureInfo.InvariantCulture, $"Isolation: {Isolation(e)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Who may start: {e.Starters.Summary}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Client ids: {e.Environment} environment");
        if (e.Host is { } host)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Host: {HostLine(host)}");
        }

        text.AppendLine().AppendLine(InputHeading(e));
        foreach (var field in e.Input)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {field.Name}: {InputRule(field, p => p)}{(field.Description is null ? string.Empty : " - " + field.Description)}");
        }

        text.AppendLine();
        var steps = new TextTable(["#", "Step", "Identity / client id", "Scope", "Automatic or approval"], [3, 24, 38, 48, 52]);
        foreach (var step in e.Steps)
        {
            steps.Add(
                [step.Number.ToString(CultureInfo.InvariantCulture)],
                [step.Id, $"({Kind(step)})"],
                [step.Identity, step.ClientId, .. step.Delegation is null ? [] : new[] { step.Delegation }],
                ScopeLines(step),
                [step.Automatic ? "AUTOMATIC" : "APPROVAL", .. step.Approval.Split('\n')]);
        }

        text.Append(steps.Render());
        if (ScopeNotEnforced(e) is { } scope)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"Scope: {Enforcement.NotEnforced}: {scope.Reason}");
        }

        if (e.Gates.Count > 0)
        {
            text.AppendLine().AppendLine("Gates");
            var gates = new TextTable(["Gate", "Approvers (quorum)", "Timeout / reminders", "Escalation", "Channels", "Separation of duties"], [22, 40, 26, 30, 24, 10]);
            foreach (var gate in e.Gates)
            {
                gates.Add(
                    [gate.Id],
                    [.. gate.Approvers, $"quorum {gate.Quorum} of {gate.Approvers.Count}"],
                    [$"timeout {gate.Timeout}", $"on timeout: {gate.OnTimeout}", Reminders(gate)],
                    [Escalation(gate)],
                    [Channels(gate)],
                    [gate.SeparationOfDuties ? "on" : "OFF"]);
            }

            text.Append(gates.Render());
        }

        text.AppendLine().AppendLine(e.Evidence.Enforcement.Mark("Evidence"));
        text.AppendLine(CultureInfo.InvariantCulture, $"  ledger:    {e.Evidence.Ledger}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  retention: {Declared(e.Evidence.Enforcement, e.Evidence.Retention)} (evidence younger than this is never purged)");
        text.AppendLine(CultureInfo.InvariantCulture, $"  kept:      {e.Evidence.KeptEnforcement.Mark(string.Join(", ", e.Evidence.Kept))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  redacted:  {Declared(e.Evidence.Enforcement, Redacted(e))}");
        return text.ToString();
    }

    public static string Markdown(WorkflowExplanation e)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"## `{e.Name}` v{e.Version}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Cell(e.Description)}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Owner:** {Cell(e.Owner)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Isolation:** {Cell(Isolation(e))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Who may start:** {Cell(e.Starters.Summary)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Client ids:** `{e.Environment}` environment");
        if (e.Host is { } host)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- **Host:** {Cell(HostLine(host))}");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"### {InputHeading(e)}").AppendLine();
        if (e.Input.Count > 0)
        {
            text.AppendLine("| Field | Accepted | Description |");
            text.AppendLine("|-------|----------|-------------|");
            foreach (var field in e.Input)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| `{field.Name}` | {Cell(InputRule(field, p => $"`{p}`"))} | {Cell(field.Description ?? string.Empty)} |");
            }

            text.AppendLine();
        }

        text.AppendLine("### Steps").AppendLine();
        text.AppendLine("| # | Step | Identity | Client id | Scope | Automatic or approval |");
        text.AppendLine("|---|------|----------|-----------|-------|-----------------------|");
        foreach (var step in e.Steps)
        {
            var approval = step.Automatic ? $"automatic: {step.Approval}" : $"**approval**: {step.Approval}";
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {step.Number} | `{step.Id}` ({Kind(step)}) | `{step.Identity}`{(step.Delegation is null ? string.Empty : "<br>" + Cell(step.Delegation))} | `{step.ClientId}` | {string.Join("<br>", ScopeLines(step).Select(Cell))} | {Cell(approval)} |");
        }

        if (ScopeNotEnforced(e) is { } notEnforced)
        {
            text.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"_Scope: {Enforcement.NotEnforced}: {Cell(notEnforced.Reason ?? string.Empty)}._");
        }

        if (e.Gates.Count > 0)
        {
            text.AppendLine().AppendLine("### Gates").AppendLine();
            text.AppendLine("| Gate | Approvers | Quorum | Timeout | Reminders | Escalation | Channels | Separation of duties | On timeout |");
            text.AppendLine("|------|-----------|--------|---------|-----------|------------|----------|----------------------|------------|");
            foreach (var gate in e.Gates)
            {
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"| `{gate.Id}` | {Cell(string.Join(", ", gate.Approvers))} | {gate.Quorum} of {gate.Approvers.Count} | {gate.Timeout} | {Cell(gate.Reminders.Count == 0 ? string.Empty : gate.RemindersEnforcement.Mark(string.Join(", ", gate.Reminders)))} | {Cell(Escalation(gate))} | {Cell(Channels(gate))} | {(gate.SeparationOfDuties ? "on" : "**off**")} | {gate.OnTimeout} |");
            }
        }

        text.AppendLine().AppendLine("### Evidence").AppendLine();
        if (!e.Evidence.Enforcement.Enforced)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"_{Enforcement.NotEnforced}: {Cell(e.Evidence.Enforcement.Reason ?? string.Empty)}._").AppendLine();
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"- **Ledger:** {Cell(e.Evidence.Ledger)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Retention:** {Declared(e.Evidence.Enforcement, e.Evidence.Retention)} (evidence younger than this is never purged)");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Kept:** {Cell(e.Evidence.KeptEnforcement.Mark(string.Join(", ", e.Evidence.Kept)))}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- **Redacted:** {Cell(Declared(e.Evidence.Enforcement, Redacted(e)))}");
        return text.ToString();
    }

    private static List<string> ScopeLines(StepExplanation step)
    {
        if (step.System is null)
        {
            return ["no system access"];
        }

        var lines = new List<string> { $"system: {step.System}", $"operations: {string.Join(", ", step.Operations)}" };
        if (step.Records.Count > 0)
        {
            lines.Add($"records: {string.Join("; ", step.Records)}");
        }

        // The scope guard refuses every field a step's scope does not list: none listed, none written.
        lines.Add(step.Fields.Count > 0 ? $"fields: {string.Join(", ", step.Fields)}" : "fields: none may be written");
        lines.AddRange((step.Calls ?? []).Select(call => $"call {call}")); // how each operation reaches its system, as declared
        if (!step.ScopeEnforcement.Enforced)
        {
            lines.Add($"({Enforcement.NotEnforced})"); // the reason follows the table, once
        }

        return lines;
    }

    /// <summary>The first step whose scope the host does not check, for the reason said once below the steps.</summary>
    private static Enforcement? ScopeNotEnforced(WorkflowExplanation e) => e.Steps.Select(s => s.ScopeEnforcement).FirstOrDefault(s => !s.Enforced);

    private static string HostLine(HostGovernance host) =>
        $"{host.Environment} environment, identities {host.IdentitiesEnvironment}; scope guard {(host.ScopeGuard ? "on" : "OFF")}, evidence {(host.Evidence ? "on" : "OFF")}, writer {(host.SeparateWriter ? "yes" : "none")}, acts for people {(host.ActsForPeople ? "yes" : "no")}";

    private static string InputHeading(WorkflowExplanation e) =>
        e.Input.Count == 0 ? "Input: none accepted" : $"Input (at most {e.MaxInputBytes} bytes as JSON; no other field accepted)";

    /// <summary>What the run input validator accepts for one field, in its words.</summary>
    private static string InputRule(InputExplanation field, Func<string, string> pattern)
    {
        var parts = new List<string> { field.Type, field.Required ? "required" : "optional" };
        if (field.MaxLength is { } max)
        {
            parts.Add($"at most {max} characters");
        }

        if (field.Pattern is not null)
        {
            parts.Add($"whole value matching {pattern(field.Pattern)}");
        }

        return string.Join(", ", parts);
    }

    private static string Kind(StepExplanation step) => step.Kind.ToString().ToLowerInvariant();

    private static string Isolation(WorkflowExplanation e) => e.Isolation.Enforcement.Mark(e.Isolation.Summary);

    private static string Channels(GateExplanation gate) => gate.ChannelsEnforcement.Mark(string.Join(", ", gate.Channels));

    private static string Reminders(GateExplanation gate) =>
        gate.Reminders.Count == 0 ? "no reminders" : gate.RemindersEnforcement.Mark($"reminders {string.Join(", ", gate.Reminders)}");

    /// <summary>What happens at the deadline is enforced; an earlier 'after' is said to be declared only.</summary>
    private static string Escalation(GateExplanation gate)
    {
        if (gate.EscalatesTo is null)
        {
            return "none";
        }

        var declared = $"after {gate.EscalatesAfter} to {gate.EscalatesTo}";
        if (!gate.EscalatesToEnforcement.Enforced || gate.EscalatesAfterEnforcement.Enforced)
        {
            return gate.EscalatesToEnforcement.Mark(declared);
        }

        return $"to {gate.EscalatesTo} at the timeout ({gate.Timeout}); {gate.EscalatesAfterEnforcement.Mark($"after {gate.EscalatesAfter}")}";
    }

    /// <summary>One line of a section whose reason was given once, at its heading.</summary>
    private static string Declared(Enforcement enforcement, string text) => enforcement.Enforced ? text : $"{text} ({Enforcement.NotEnforced})";

    private static string Redacted(WorkflowExplanation e) =>
        (e.Evidence.Redacted.Count == 0 ? "nothing" : string.Join(", ", e.Evidence.Redacted))
        + (e.Evidence.SensitiveInClear.Count == 0 ? string.Empty : $"; sensitive but kept in clear: {string.Join(", ", e.Evidence.SensitiveInClear)}");

    /// <summary>Markdown table cells cannot hold pipes or line breaks.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);
}
