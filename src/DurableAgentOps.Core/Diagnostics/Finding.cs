using System.Globalization;

namespace DurableAgentOps.Core.Diagnostics;

public enum Severity
{
    Error,
    Warning,
    Info,
}

/// <summary>One problem (or, for diff, one change) tied to a real position in a file.</summary>
public sealed record Finding(string File, int Line, int Column, Severity Severity, string Code, string Message)
{
    public bool IsError => Severity == Severity.Error;

    /// <summary>The compiler-style form editors and CI annotators understand.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{File}:{Line}:{Column}: {Severity.ToString().ToLowerInvariant()} {Code}: {Message}");
}
