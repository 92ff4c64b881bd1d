using System.Security.Claims;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Api.Security;

/// <summary>Reads a <see cref="Caller"/> from a principal the authentication handlers validated.</summary>
internal static class CallerClaims
{
    /// <summary>The caller of a request an authorization policy let through (it always names one).</summary>
    public static Caller ToCaller(this ClaimsPrincipal user) =>
        From(user) ?? throw new InvalidOperationException("the request has no verified caller; the endpoint must declare a policy");

    /// <summary>The caller a validated token describes, or null when it names no object id (nothing stable to compare).</summary>
    public static Caller? From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.IsInRole(SystemKeyDefaults.Role) && user.Identity?.AuthenticationType == SystemKeyDefaults.Scheme)
        {
            return Caller.SystemKey;
        }

        var oid = user.FindFirst("oid")?.Value;
        if (string.IsNullOrWhiteSpace(oid) || oid.Length > 64)
        {
            return null;
        }

        var tid = user.FindFirst("tid")?.Value;
        var upn = Trim(user.FindFirst("preferred_username")?.Value ?? user.FindFirst("upn")?.Value);
        var name = Trim(user.FindFirst("name")?.Value) ?? upn ?? oid;
        var roles = user.FindAll("roles").Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var overage = user.FindFirst("_claim_names")?.Value?.Contains("groups", StringComparison.Ordinal) == true;
        var groupClaims = user.FindAll("groups").Select(c => c.Value).ToList();
        IReadOnlySet<string>? groups = overage ? null : groupClaims.ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!overage && groupClaims.Count == 0 && !user.HasClaim(c => c.Type == "groups"))
        {
            groups = null; // no groups claim at all: ask the directory rather than assume "member of none"
        }

        var clientId = user.FindFirst("azp")?.Value ?? user.FindFirst("appid")?.Value;
        var id = string.IsNullOrEmpty(tid) ? oid : $"{tid}/{oid}";
        return new Caller(id.ToLowerInvariant(), oid.ToLowerInvariant(), tid?.ToLowerInvariant(), name, upn, roles, groups, clientId);
    }

    private static string? Trim(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : text.Length <= Caller.MaxDisplayLength ? text : text[..Caller.MaxDisplayLength];
}
