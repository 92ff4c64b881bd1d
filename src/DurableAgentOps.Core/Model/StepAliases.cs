namespace DurableAgentOps.Core.Model;

/// <summary>
/// The name a step's output goes by in later steps' data, route conditions and redaction paths: <c>input</c> for the run
/// input, <c>draft</c> and <c>route</c>, and for a read of one record its resource in the singular (<c>account</c>,
/// <c>call</c>, <c>invoice</c>, <c>purchaseOrder</c>, <c>ticket</c>) — a list read keeps the plural (<c>queues</c>).
/// </summary>
public static class StepAliases
{
    public const string Input = "input";

    public static string Of(StepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(step);
        return step.Kind switch
        {
            StepKind.Draft => "draft",
            StepKind.Route => "route",
            StepKind.Read when OperationName.TryParse(step.Operation, out var op) =>
                op.IsRead && op.Verb == "read" && op.Resource.EndsWith('s') ? op.Resource[..^1] : op.Resource,
            _ => step.Id,
        };
    }
}
