using DurableAgentOps.Core.Model;
using System.Security.Claims;

namespace DurableAgentOps.Runtime.Security;

/// <summary>
/// A verified caller, read from a validated token's claims. <see cref="Id"/> (tenant + object id) is what every check
/// compares; names and addresses are for display only and are never compared.
/// </summary>
public sealed record Caller(
    string Id,
    string ObjectId,
    string? TenantId,
    string Name,
    string? Upn,
    IReadOnlySet<string> Roles,
    IReadOnlySet<string>? Groups,
    string? ClientId)
{
    /// <summary>Longest display name or address kept; a token is trusted, but durable state stays small.</summary>
    public const int MaxDisplayLength = 256;

    /// <summary>The system key's caller: an administrator with no person behind it.</summary>
    public static Caller SystemKey { get; } = new("system-key", "system-key", null, "system key", null,
        new HashSet<string>(StringComparer.Ordinal) { AppRoles.Administrator }, null, null);

    public bool IsInRole(string role) => Roles.Contains(role);

    /// <summary>
    /// True when the token lists the caller's groups. Entra leaves them out past 200 groups (an overage pointer in
    /// <c>_claim_names</c>) or when the app does not ask for them; then membership is asked of the directory.
    /// </summary>
    public bool HasGroupsClaim => Groups is not null;

    /// <summary>The principal as runs record it.</summary>
    public PrincipalRef ToPrincipal() => new(Id, Name, Upn);

    /// <summary>The caller a validated token describes, or null when it names no object id (nothing stable to compare).</summary>
    public static Caller? From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.IsInRole(SystemKeyDefaults.Role) && user.Identity?.AuthenticationType == SystemKeyDefaults.Scheme)
        {
            return SystemKey;
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
        string.IsNullOrWhiteSpace(text) ? null : text.Length <= MaxDisplayLength ? text : text[..MaxDisplayLength];
}

/// <summary>A principal as a run records it: the id that checks compare, and names for people to read.</summary>
public sealed record PrincipalRef(string Id, string Name, string? Upn)
{
    public override string ToString() => Upn is null || Upn == Name ? Name : $"{Name} <{Upn}>";
}
