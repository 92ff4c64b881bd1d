namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>A person as a record names them: the id checks compare, and names to read (any may be missing).</summary>
public sealed record StoryPrincipal(string? Id, string? Name, string? Upn)
{
    /// <summary>"Name &lt;upn&gt;", or whatever of it the record holds.</summary>
    public string Display => (Name, Upn) switch
    {
        ({ Length: > 0 } n, { Length: > 0 } u) when n != u => $"{n} <{u}>",
        ({ Length: > 0 } n, _) => n,
        (_, { Length: > 0 } u) => u,
        _ => Id ?? RunStory.Missing,
    };
}
