namespace DurableAgentOps.Runtime.Replay;

/// <summary>One differing value: its JSON path (<c>step.routes[0].when</c>) and both values as compact JSON, cut short.</summary>
public sealed record JsonDifference(string Path, string Expected, string Got)
{
    /// <summary>What a side shows for a property it does not have.</summary>
    public const string Absent = "(absent)";
}
