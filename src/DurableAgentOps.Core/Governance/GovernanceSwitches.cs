namespace DurableAgentOps.Core.Governance;

/// <summary>
/// The governance a host can be told to leave out, by the names runs record it under (<c>governanceOff</c> in a run's
/// status, its run-start evidence record and its index row) and the settings that do it. Hosts refuse either setting
/// unless their environment is Development: they exist for tests, demos and the evidence benchmark.
/// </summary>
public static class GovernanceSwitches
{
    /// <summary>The scope guard: each call checked against the step's scope before it leaves the process.</summary>
    public const string ScopeGuard = "scope-guard";

    /// <summary>The evidence ledger: a run records its start only, saying so, and nothing after it.</summary>
    public const string Evidence = "evidence";

    public const string ScopeGuardSetting = "AgentOps:ScopeGuardEnabled";

    public const string EvidenceSetting = "AgentOps:Evidence:Enabled";

    /// <summary>What leaving a switch out means, in a reader's words.</summary>
    public static string Describe(string name) => name switch
    {
        ScopeGuard => $"the scope guard was off ({ScopeGuardSetting}=false): calls left the process unchecked; only the target systems checked them",
        Evidence => $"evidence was off ({EvidenceSetting}=false): the ledger holds the run's start only, nothing after it",
        _ => $"'{name}' was off",
    };
}
