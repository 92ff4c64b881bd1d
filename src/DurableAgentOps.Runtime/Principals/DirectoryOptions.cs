namespace DurableAgentOps.Runtime.Principals;

/// <summary>
/// Where people and group members are looked up (section <c>AgentOps:Directory</c>): Microsoft Graph in Azure, with the
/// host's own managed identity; locally the DevServices Graph-shaped routes, with the host's dev identity.
/// </summary>
public sealed class DirectoryOptions
{
    public const string Section = "AgentOps:Directory";

    /// <summary>Graph's base URL including the version segment.</summary>
    public Uri GraphBaseUrl { get; set; } = new("https://graph.microsoft.com/v1.0/");

    /// <summary>The token audience Graph expects.</summary>
    public string Resource { get; set; } = "https://graph.microsoft.com";

    /// <summary>The host's user-assigned identity for Graph (needs User.Read.All and GroupMember.Read.All); empty: system-assigned.</summary>
    public string? ClientId { get; set; }

    /// <summary>How long an answer (a user's id, a group's members) is reused before it is asked again.</summary>
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(2);
}
