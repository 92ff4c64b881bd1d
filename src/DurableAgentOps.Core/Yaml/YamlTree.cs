using DurableAgentOps.Core.Diagnostics;

namespace DurableAgentOps.Core.Yaml;

/// <summary>A YAML node that remembers where it came from.</summary>
internal abstract record YNode(SourcePosition Position)
{
    public abstract string Describe { get; }
}

/// <summary>A scalar; <see cref="IsPlain"/> is false for quoted or block scalars (so "1" stays a string).</summary>
internal sealed record YScalar(SourcePosition Position, string Value, bool IsPlain) : YNode(Position)
{
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe => IsNull ? "null" : "a scalar";
}

internal sealed record YMapping(SourcePosition Position, IReadOnlyList<KeyValuePair<YScalar, YNode>> Entries) : YNode(Position)
{
    public override string Describe => "a mapping";
}

internal sealed record YSequence(SourcePosition Position, IReadOnlyList<YNode> Items) : YNode(Position)
{
    public override string Describe => "a list";
}
