namespace DurableAgentOps.Runtime.Connectors;

/// <summary>What <see cref="SystemChecker"/> found for one operation or tool of a declared system.</summary>
/// <param name="System">The system's name.</param>
/// <param name="Operation">The qualified operation (crm.accounts.read).</param>
/// <param name="Kind"><c>read</c> (called once), <c>write</c> (described, never called) or <c>tool</c> (an MCP tool's pin against the live definition).</param>
/// <param name="Outcome">One of <see cref="SystemCheckOutcomes"/>.</param>
/// <param name="Identity">The catalogue identity the check used (the one granted the operation), if any.</param>
/// <param name="ClientId">Its client id in this host's identities environment.</param>
/// <param name="Call">The call as declared: method and path template, or MCP tool and pin; never a record's values.</param>
/// <param name="Detail">Why, in words: what answered, what is missing, what to do.</param>
/// <param name="MissingFields">Fields the record schema declares that the live answer lacks.</param>
/// <param name="MistypedFields">Fields whose live value is not of the declared type (<c>field: declared type, got kind</c>).</param>
/// <param name="UndeclaredFields">Fields the live answer has that the schema does not name (a note: a schema may be a trimmed view).</param>
public sealed record SystemCheckItem(
    string System,
    string Operation,
    string Kind,
    string Outcome,
    string? Identity,
    string? ClientId,
    string Call,
    string Detail,
    IReadOnlyList<string>? MissingFields = null,
    IReadOnlyList<string>? MistypedFields = null,
    IReadOnlyList<string>? UndeclaredFields = null);

/// <summary>The outcomes a <see cref="SystemCheckItem"/> can have; only the first three count as proven.</summary>
internal static class SystemCheckOutcomes
{
    /// <summary>A read answered under its identity, and its answer fits the declaration.</summary>
    public const string Proven = "proven";

    /// <summary>A write, described from its declaration and not called.</summary>
    public const string Described = "described";

    /// <summary>An MCP tool whose live definition hashes to its pin.</summary>
    public const string Pinned = "pinned";

    /// <summary>A read that could not be called: a value its path or arguments need was not given.</summary>
    public const string Skipped = "skipped";

    /// <summary>A read refused, failed, or answered something its declaration does not describe.</summary>
    public const string Failed = "failed";

    /// <summary>An MCP tool whose live definition no longer hashes to its pin.</summary>
    public const string Changed = "changed";

    /// <summary>An MCP tool the server no longer offers.</summary>
    public const string Gone = "gone";

    public static bool IsProven(string outcome) => outcome is Proven or Described or Pinned;
}

/// <summary>A check of the declared systems against the live ones: every item, and whether all of them hold.</summary>
public sealed record SystemCheckReport(string Environment, IReadOnlyList<SystemCheckItem> Items)
{
    public bool Proven => Items.Count > 0 && Items.All(i => SystemCheckOutcomes.IsProven(i.Outcome));

    /// <summary>How many reads were called (a skipped one was not).</summary>
    public int ReadsCalled => Items.Count(i => i.Kind == "read" && i.Outcome != SystemCheckOutcomes.Skipped);
}
