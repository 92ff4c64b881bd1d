using Microsoft.Extensions.Hosting;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// Governance switches (the scope guard, evidence) may be off only on a Development host: tests, demos and the evidence
/// benchmark. Anywhere else, or when the host's environment is unknown (no <see cref="IHostEnvironment"/>), a switch
/// turned off stops the host at start, so governance is never left out quietly.
/// </summary>
internal static class DevelopmentOnly
{
    public static bool Allows(IHostEnvironment? environment) => environment?.IsDevelopment() == true;

    public static string NameOf(IHostEnvironment? environment) => environment?.EnvironmentName is { Length: > 0 } name ? name : "(unknown)";

    /// <summary>The one-line refusal of <paramref name="setting"/>=false here, or null when this host may turn it off.</summary>
    public static string? Refusal(IHostEnvironment? environment, string setting, string what) => Allows(environment)
        ? null
        : $"{setting}=false is refused: {what} may be off only on a Development host, and this host's environment is {NameOf(environment)} "
          + "(ASPNETCORE_ENVIRONMENT or DOTNET_ENVIRONMENT, AZURE_FUNCTIONS_ENVIRONMENT on Functions)";
}
