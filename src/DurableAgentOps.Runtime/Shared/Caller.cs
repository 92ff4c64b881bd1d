using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Runtime.Shared;

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
}

/// <summary>A principal as a run records it: the id that checks compare, and names for people to read.</summary>
public sealed record PrincipalRef(string Id, string Name, string? Upn)
{
    public override string ToString() => Upn is null || Upn == Name ? Name : $"{Name} <{Upn}>";
}
