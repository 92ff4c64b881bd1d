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
            StepKind.Read when OperationName.TryParse(step.Operation, out var op) => OfRead(op),
            _ => step.Id,
        };
    }

    /// <summary>What a read operation's answer is called: the resource in the singular for a read of one record, else the resource.</summary>
    public static string OfRead(OperationName operation) =>
        operation.IsRead && operation.Verb == "read" ? Singular(operation.Resource) : operation.Resource;

    /// <summary>
    /// English plural to singular for resource names: entries → entry, addresses → address, statuses → status,
    /// batches → batch, accounts → account; a name without a plural ending stays as it is.
    /// </summary>
    public static string Singular(string resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (resource.Length > 3 && resource.EndsWith("ies", StringComparison.Ordinal))
        {
            return resource[..^3] + "y";
        }

        if (resource.Length > 4 && (resource.EndsWith("sses", StringComparison.Ordinal) || resource.EndsWith("uses", StringComparison.Ordinal) || resource.EndsWith("xes", StringComparison.Ordinal)
            || resource.EndsWith("ches", StringComparison.Ordinal) || resource.EndsWith("shes", StringComparison.Ordinal)))
        {
            return resource[..^2];
        }

        // A singular that ends in s (address, status, analysis) stays as it is.
        var singularS = resource.EndsWith("ss", StringComparison.Ordinal) || resource.EndsWith("us", StringComparison.Ordinal) || resource.EndsWith("is", StringComparison.Ordinal);
        return resource.Length > 1 && resource.EndsWith('s') && !singularS ? resource[..^1] : resource;
    }
}
