namespace DurableAgentOps.Core.Model;

/// <summary>
/// A read step that takes in one record of a declared resource (<c>&lt;resource&gt;.read</c>): the step and its index,
/// the operation, the system that declares it, and the record's schema (null when the declaration has none). What
/// validate checks field names against, and what redaction takes sensitive fields from.
/// </summary>
public sealed record RecordRead(int Index, StepDefinition Step, OperationName Operation, SystemDeclaration System, RecordSchema? Schema)
{
    /// <summary>The name the record goes by in later steps' data (<c>account</c>).</summary>
    public string Alias => StepAliases.Of(Step);

    /// <summary>Every read of one record whose operation a declaration describes, in step order.</summary>
    public static IEnumerable<RecordRead> In(WorkflowDefinition workflow, IEnumerable<SystemDeclaration>? declarations)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var declared = declarations?.ToList() ?? [];
        for (var i = 0; i < workflow.Steps.Count; i++)
        {
            var step = workflow.Steps[i];
            if (step.Kind == StepKind.Read && OperationName.TryParse(step.Operation, out var op) && op.Verb == "read"
                && declared.FirstOrDefault(d => d.System == op.System) is { } system && system.Find(op.ToString()) is not null)
            {
                yield return new RecordRead(i, step, op, system, system.Records?.GetValueOrDefault(op.Resource));
            }
        }
    }
}
