using System.Text.RegularExpressions;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.Runtime.Identity;

/// <summary>
/// identities.yaml may name a client id by setting (<c>azure: ${CRM_READER_CLIENT_ID}</c>), so one file serves every
/// deployment; the step activity resolves it from the host's configuration (app settings) when it runs.
/// </summary>
public sealed partial class ClientIdResolver(IConfiguration configuration)
{
    public string Resolve(string clientId)
    {
        var placeholder = Placeholder().Match(clientId);
        if (!placeholder.Success)
        {
            return clientId;
        }

        var name = placeholder.Groups["name"].Value;
        return configuration[name] is { Length: > 0 } value
            ? value
            : throw new StepRefusedException($"setting '{name}' (named by identities.yaml as ${{{name}}}) is not set on this host");
    }

    [GeneratedRegex(@"^\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)\}$")]
    private static partial Regex Placeholder();
}
