namespace DurableAgentOps.Runtime.Identity;

/// <summary>The sign-in authority would not let the host act for the person starting a run: the run is not started.</summary>
internal sealed class DelegationException(string message) : Exception(message);
