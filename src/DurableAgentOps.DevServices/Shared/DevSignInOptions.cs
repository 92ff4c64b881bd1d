namespace DurableAgentOps.DevServices.Shared;

/// <summary>Settings of the dev sign-in provider (section <c>DevServices:SignIn</c>).</summary>
public sealed class DevSignInOptions
{
    /// <summary>Lifetime of the access and id tokens people get, 1 minute to 1 day.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);
}
