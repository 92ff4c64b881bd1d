using System.Diagnostics.CodeAnalysis;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Scope;

/// <summary>A record a call touches, with the attributes scopes constrain (e.g. region); Attributes may be empty when not yet known.</summary>
public sealed record RecordRef(string Id, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A call refused by the scope guard before it left the process.</summary>
public sealed class ScopeViolationException(string stepId, string identity, string operation, string? record, string reason)
    : Exception($"ScopeViolation: step '{stepId}' (identity {identity}) may not {operation} on {record ?? "any record"}: {reason}")
{
    public string StepId { get; } = stepId;

    public string Identity { get; } = identity;

    public string Operation { get; } = operation;

    public string? Record { get; } = record;

    public string Reason { get; } = reason;
}

/// <summary>
/// Checks each call against the step's declared scope and the identity's grant before it leaves the process, so an
/// out-of-scope call is never sent. It is the first of two checks: the target system checks again from the token.
/// </summary>
public static class ScopeGuard
{
    /// <summary>
    /// Throws <see cref="ScopeViolationException"/> when the identity is not the step's; the operation is not in the
    /// step's <c>scope.operations</c> or not granted to the identity on its system; a record attribute the record
    /// carries and the step scope (or the grant) constrains has a value outside the allowed list; or a field is outside
    /// the step's declared fields or the grant's fields. No declared fields means no field may be written (fail closed).
    /// </summary>
    /// <remarks>
    /// Record attributes the scope constrains but <paramref name="record"/> does not carry (e.g. the region of an account
    /// not read yet) are not judged for a service identity's read: the target system enforces them from the token's
    /// roles, and refuses with 403. A write's record must carry every attribute its scope or grant limits, or it is
    /// refused; so must the record of any call a delegated identity makes (a token issued for a person carries no
    /// declared scope, so the system cannot enforce it), and such a call with limits but no record is refused too.
    /// </remarks>
    public static void Check(StepDefinition step, IdentityDefinition identity, string operation, RecordRef? record, IReadOnlyCollection<string> fields)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(fields);

        [DoesNotReturn]
        void Refuse(string reason) => throw new ScopeViolationException(step.Id, identity.Name, operation, record?.Id, reason);

        if (identity.Name != step.Identity)
        {
            Refuse($"the step runs as {step.Identity}, not {identity.Name}");
        }

        if (!step.Scope.Operations.Contains(operation, StringComparer.Ordinal))
        {
            Refuse($"operation not in the step's scope (allowed: {List(step.Scope.Operations)})");
        }

        var grant = OperationName.TryParse(operation, out var name) ? identity.GrantFor(name.System) : null;
        if (grant is null || !grant.Operations.Contains(operation, StringComparer.Ordinal))
        {
            Refuse($"operation not granted to identity {identity.Name} (granted: {List([.. identity.GrantedOperations])})");
        }

        // A write's record is judged whole: an attribute the scope or the grant limits must be known, or the write is
        // refused (a declaration that does not say where it comes from would let the write pass unjudged). So is the
        // record of any call made as a person: the system checks that person's own rights, never the declared scope, so
        // an attribute left unjudged here would be judged by no one.
        var limited = step.Scope.Records.Keys.Concat(grant.Records.Keys).ToList();
        if (identity.IsDelegated && record is null && limited.Count > 0)
        {
            Refuse($"{identity.Name} acts for a person and the call names no record, so it cannot be judged against the scope ({List(limited.Distinct(StringComparer.Ordinal).ToList())}): "
                + "the system checks only the person's own rights, so the guard judges a delegated call's record before it is sent");
        }

        if ((step.Kind == StepKind.Write || identity.IsDelegated) && record is not null
            && limited.FirstOrDefault(a => !record.Attributes.ContainsKey(a)) is { } unknown)
        {
            Refuse(step.Kind == StepKind.Write
                ? $"the record's {unknown} is not known, so the write cannot be judged against the scope (its declaration must say where {unknown} comes from: record.attributes)"
                : $"the record's {unknown} is not known, so the call cannot be judged against the scope: {identity.Name} acts for a person, and the system checks only that person's own rights "
                    + $"(its declaration must say where {unknown} comes from: record.attributes, from a step that runs before this one)");
        }

        foreach (var (attribute, value) in record?.Attributes ?? new Dictionary<string, string>())
        {
            if (OutsideOf(step.Scope.Records, attribute, value) is { } stepAllowed)
            {
                Refuse($"record {attribute} '{value}' is outside the step's scope (allowed: {stepAllowed})");
            }

            if (OutsideOf(grant.Records, attribute, value) is { } grantAllowed)
            {
                Refuse($"record {attribute} '{value}' is outside the grant of {identity.Name} (allowed: {grantAllowed})");
            }
        }

        foreach (var field in fields)
        {
            if (!step.Scope.Fields.Contains(field, StringComparer.Ordinal))
            {
                Refuse($"field '{field}' is outside the step's scope (allowed: {List(step.Scope.Fields)})");
            }

            if (!grant.Fields.Contains(field, StringComparer.Ordinal))
            {
                Refuse($"field '{field}' is not writable by {identity.Name} (allowed: {List(grant.Fields)})");
            }
        }
    }

    /// <summary>The allowed values when the attribute is constrained and the value is not among them; null otherwise.</summary>
    private static string? OutsideOf(IReadOnlyDictionary<string, IReadOnlyList<string>> records, string attribute, string value) =>
        records.TryGetValue(attribute, out var allowed) && !allowed.Contains(value, StringComparer.Ordinal) ? List(allowed) : null;

    private static string List(IReadOnlyList<string> items) => items.Count == 0 ? "none" : string.Join(", ", items);
}
