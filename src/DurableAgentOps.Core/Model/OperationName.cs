using System.Diagnostics.CodeAnalysis;

namespace DurableAgentOps.Core.Model;

/// <summary>An operation name, <c>&lt;system&gt;.&lt;resource&gt;.&lt;verb&gt;</c>, e.g. crm.accounts.read.</summary>
public readonly record struct OperationName(string System, string Resource, string Verb)
{
    /// <summary>Verbs that never change a record; every other verb is a write.</summary>
    public static IReadOnlySet<string> ReadVerbs { get; } = new HashSet<string>(StringComparer.Ordinal) { "read", "list", "search" };

    public bool IsRead => ReadVerbs.Contains(Verb);

    public override string ToString() => $"{System}.{Resource}.{Verb}";

    public static bool TryParse(string? text, [NotNullWhen(true)] out OperationName operation)
    {
        operation = default;
        var parts = text?.Split('.');
        if (parts is not { Length: 3 } || parts.Any(p => !Names.IsValid(p)))
        {
            return false;
        }

        operation = new OperationName(parts[0], parts[1], parts[2]);
        return true;
    }
}

internal static class Names
{
    /// <summary>Names are ASCII identifiers with dashes: they end up in Azure resource names and URLs.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 64 && char.IsAsciiLetter(name[0]) &&
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');
}
