namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A run whose start the run service did not issue, or issued for another input: refused before any step.</summary>
internal sealed class StartNotIssuedException(string message) : Exception(message);
