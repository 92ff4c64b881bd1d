using DurableAgentOps.Core.Loading;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>Finds and loads host.json, the one file that tunes both the Functions app and the standalone host.</summary>
public static class HostJsonConfiguration
{
    /// <summary>Setting (or environment variable AGENTOPS_HOST_JSON) that points at a host.json explicitly.</summary>
    public const string PathSetting = "AGENTOPS_HOST_JSON";

    /// <summary>
    /// Adds host.json: the file the setting names (it must exist), else the first host.json found walking up
    /// from the working directory, else the one next to the app. Returns the path used, or null when none exists.
    /// </summary>
    public static string? AddHostJson(this IConfigurationBuilder builder, IConfiguration current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var explicitPath = current[PathSetting];
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            var full = Path.GetFullPath(explicitPath);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"{PathSetting} names '{full}', which does not exist.", full);
            }

            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
            return full;
        }

        var found = AppFiles.Find("host.json");
        if (found is not null)
        {
            builder.AddJsonFile(found, optional: false, reloadOnChange: false);
        }

        return found;
    }
}
