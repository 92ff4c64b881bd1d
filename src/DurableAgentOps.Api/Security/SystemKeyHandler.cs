using DurableAgentOps.Core.Model;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Api.Security;

internal static class SystemKeyDefaults
{
    public const string Scheme = "SystemKey";
    public const string Header = "x-functions-key";

    /// <summary>The role a system-key caller holds (and no other).</summary>
    public const string Role = AppRoles.Administrator;
}

/// <summary>
/// The instance API's system key, as Durable Functions requires its system key: sent in the <c>x-functions-key</c>
/// header only (query strings end up in logs), compared in constant time, never logged.
/// </summary>
internal sealed class SystemKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var sent = Request.Headers[SystemKeyDefaults.Header].ToString();
        if (sent.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (auth.Value.SystemKey is not { Length: > 0 } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("this host has no system key configured; sign in as an administrator instead"));
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(sent), Encoding.UTF8.GetBytes(key)))
        {
            return Task.FromResult(AuthenticateResult.Fail("the x-functions-key header does not match the host's system key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "system key"), new Claim(ClaimTypes.Role, SystemKeyDefaults.Role)],
            SystemKeyDefaults.Scheme, ClaimTypes.Name, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SystemKeyDefaults.Scheme)));
    }
}
