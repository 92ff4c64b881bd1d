namespace DurableAgentOps.DevServices.People;

/// <summary>A public OAuth client of the dev sign-in provider: no secret, PKCE required.</summary>
internal sealed record DevClient(string ClientId, string Description, IReadOnlyList<string> RedirectUris)
{
    /// <summary>
    /// A registered redirect URI (exact), or any loopback one: http on 127.0.0.1 or localhost, any port and path,
    /// as RFC 8252 (7.3) asks of native apps' ephemeral ports. Never a fragment or user info, and only printable
    /// ASCII (RFC 3986 percent-encodes the rest), so the URI goes into a Location header as it is.
    /// </summary>
    public bool Allows(string? redirectUri)
    {
        if (string.IsNullOrEmpty(redirectUri) || !redirectUri.All(c => c is > ' ' and < '\u007f') || !Uri.TryCreate(redirectUri, UriKind.Absolute, out var uri)
            || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0 || redirectUri.Contains('#', StringComparison.Ordinal))
        {
            return false;
        }

        return RedirectUris.Contains(redirectUri, StringComparer.Ordinal) || IsLoopback(uri);
    }

    public static bool IsLoopback(Uri uri) =>
        uri.IsAbsoluteUri && uri.Scheme == Uri.UriSchemeHttp && uri.Host is ("127.0.0.1" or "localhost") && uri.UserInfo.Length == 0;
}
