namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>A scope as a step record holds it: declared by the step, or granted to the identity in the step's system.</summary>
public sealed record StoryScope(string? System, IReadOnlyList<string> Operations, IReadOnlyDictionary<string, IReadOnlyList<string>> Records, IReadOnlyList<string> Fields)
{
    /// <summary>One line: "crm: crm.tasks.create, crm.notes.create; records region=emea; fields subject, body".</summary>
    public string Describe()
    {
        var parts = new List<string> { Operations.Count == 0 ? "no operations" : string.Join(", ", Operations) };
        if (Records.Count > 0)
        {
            parts.Add("records " + string.Join(" ", Records.Select(r => $"{r.Key}={string.Join("|", r.Value)}")));
        }

        if (Fields.Count > 0)
        {
            parts.Add("fields " + string.Join(", ", Fields));
        }

        return (System is { Length: > 0 } system ? system + ": " : string.Empty) + string.Join("; ", parts);
    }
}
