namespace DurableAgentOps.DevServices.Shared;

/// <summary>Settings of the dev sign-in provider (section <c>DevServices:SignIn</c>).</summary>
public sealed class DevSignInOptions
{
    /// <summary>Lifetime of the access and id tokens people get, 1 minute to 1 day.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Lifetime of the access tokens of the on-behalf-of and refresh grants, 1 minute to 1 day. Under 5 minutes makes
    /// MSAL refresh at every use (it renews a token that expires within 5 minutes).
    /// </summary>
    public TimeSpan DelegatedTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Lifetime of the refresh tokens of the delegated grants (Entra's default inactivity limit is 90 days).</summary>
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(90);
}
