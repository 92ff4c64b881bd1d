namespace DurableAgentOps.Core.Model;

/// <summary>A field a read step takes in that its system's record schema marks sensitive, as a run-data path (<c>invoice.vendorTaxId</c>).</summary>
public sealed record SensitiveField(string Path, string StepId, string System);

/// <summary>
/// Which run-data paths a run redacts: those the workflow lists in <c>evidence.redact</c>, and every field its reads of
/// one record take in that the system's record schema marks sensitive, unless <c>evidence.keepInClear</c> lists it. A
/// sensitive field is thus redacted by default; keeping it in clear is a visible choice in the file (and a warning).
/// </summary>
public static class Redaction
{
    /// <summary>The sensitive fields the workflow's reads of one record take in, in step order.</summary>
    public static IReadOnlyList<SensitiveField> SensitiveReads(WorkflowDefinition workflow, IEnumerable<SystemDeclaration>? declarations) =>
        [.. RecordRead.In(workflow, declarations)
            .SelectMany(read => (read.Schema?.Sensitive ?? []).Select(field => new SensitiveField($"{read.Alias}.{field}", read.Step.Id, read.Operation.System)))];

    /// <summary>The paths a run redacts: <c>evidence.redact</c>, then the sensitive fields its reads take in that <c>keepInClear</c> does not keep.</summary>
    public static IReadOnlyList<string> Paths(WorkflowDefinition workflow, IEnumerable<SystemDeclaration>? declarations)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var kept = workflow.Evidence.KeepInClear ?? [];
        return [.. workflow.Evidence.Redact
            .Concat(SensitiveReads(workflow, declarations).Select(f => f.Path).Where(p => !kept.Contains(p, StringComparer.Ordinal)))
            .Distinct(StringComparer.Ordinal)];
    }
}
