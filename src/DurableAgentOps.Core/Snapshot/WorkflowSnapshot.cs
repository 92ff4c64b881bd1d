using System.Text.Json;
using System.Text.Json.Serialization;
using DurableAgentOps.Core.Canonical;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Core.Snapshot;

/// <summary>
/// What a run executes: the definition, the identities (and systems) its steps use, the groups its gates and starters
/// name (with their object ids), and the SHA-256 of their canonical JSON. The orchestration takes this as input so
/// replay stays deterministic when the file changes, and evidence can name the exact definition that ran.
/// </summary>
public sealed record WorkflowSnapshot(
    WorkflowDefinition Definition,
    IReadOnlyList<SystemDefinition> Systems,
    IReadOnlyList<IdentityDefinition> Identities,
    IReadOnlyList<GroupDefinition> Groups,
    string Sha256,
    IReadOnlyList<SystemDeclaration>? Declarations = null)
{
    /// <summary>The options the hash is computed with; use them to store and read snapshots too.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static WorkflowSnapshot Create(WorkflowDefinition definition, IdentityCatalogue catalogue)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(catalogue);
        var identities = definition.Steps.Select(s => s.Identity).Distinct(StringComparer.Ordinal)
            .Select(catalogue.Find).OfType<IdentityDefinition>().OrderBy(i => i.Name, StringComparer.Ordinal).ToList();
        var systemNames = identities.SelectMany(i => i.Grants).Select(g => g.System)
            .Concat(definition.Steps.Select(s => s.System).OfType<string>()).ToHashSet(StringComparer.Ordinal);
        var systems = catalogue.Systems.Where(s => systemNames.Contains(s.Name)).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

        // The object ids a run was started with, so a later edit of the catalogue cannot change who may approve it.
        var groupNames = definition.Gates.SelectMany(g => g.Approvers).Where(a => a.Kind == ApproverKind.Group).Select(a => a.Name)
            .Concat(definition.Starters.Where(s => s.Kind == StarterKind.Group).Select(s => s.Name)).ToHashSet(StringComparer.Ordinal);
        var groups = catalogue.Groups.Where(g => groupNames.Contains(g.Name)).OrderBy(g => g.Name, StringComparer.Ordinal).ToList();
        var declarations = DeclarationsUsed(definition, catalogue);
        return new WorkflowSnapshot(definition, systems, identities, groups, ComputeSha256(definition, systems, identities, groups, declarations), declarations);
    }

    /// <summary>The pinned declarations of the operations <paramref name="step"/> names or scopes (without record schemas); null when it calls no declared system.</summary>
    public IReadOnlyList<SystemDeclaration>? DeclarationsFor(StepDefinition step) => Narrow(Declarations ?? [], [step], keepRecords: false);

    /// <summary>
    /// The run-data paths <paramref name="step"/>'s activity redacts: the file's <c>evidence.redact</c> (whole, as every
    /// step has always been given it) and the sensitive fields of the record this step reads, as the pinned schemas mark
    /// them (see <see cref="Redaction"/>). Computed from the snapshot alone, so every replay redacts the same paths
    /// whatever the files say now, and a step added elsewhere changes no other step's input.
    /// </summary>
    public IReadOnlyList<string> RedactPathsFor(StepDefinition step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var own = StepAliases.Of(step) + ".";
        return [.. Definition.Evidence.Redact.Concat(Redaction.Paths(Definition, Declarations).Where(p => p.StartsWith(own, StringComparison.Ordinal))).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Each declared system a step names, with only the operations the workflow's steps name or scope and the record
    /// schemas of what they read: a run calls systems as they were declared when it started (and redacts what was
    /// sensitive then), and its snapshot stays small.
    /// </summary>
    private static List<SystemDeclaration>? DeclarationsUsed(WorkflowDefinition definition, IdentityCatalogue catalogue) =>
        catalogue.Declarations is { } declared ? Narrow(declared, definition.Steps, keepRecords: true) : null;

    /// <summary>
    /// The declarations cut down to the operations <paramref name="steps"/> name or scope, in name order; with
    /// <paramref name="keepRecords"/>, the record schemas of the resources those steps read stay (null when none).
    /// </summary>
    private static List<SystemDeclaration>? Narrow(IEnumerable<SystemDeclaration> declarations, IReadOnlyCollection<StepDefinition> steps, bool keepRecords)
    {
        var used = steps.SelectMany(s => s.Scope.Operations.Append(s.Operation)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var read = steps.Where(s => s.Kind == StepKind.Read).Select(s => OperationName.TryParse(s.Operation, out var op) ? $"{op.System}.{op.Resource}" : null)
            .OfType<string>().ToHashSet(StringComparer.Ordinal);
        var narrowed = declarations
            .Select(d => d with
            {
                Operations = [.. d.Operations.Where(o => used.Contains(o.Name)).OrderBy(o => o.Name, StringComparer.Ordinal)],
                Records = keepRecords ? RecordsRead(d, read) : null,
            })
            .Where(d => d.Operations.Count > 0)
            .OrderBy(d => d.System, StringComparer.Ordinal)
            .ToList();
        return narrowed.Count > 0 ? narrowed : null;
    }

    /// <summary>The record schemas of <paramref name="declaration"/> whose resource a step reads, sorted; null when none.</summary>
    private static SortedDictionary<string, RecordSchema>? RecordsRead(SystemDeclaration declaration, IReadOnlySet<string> read)
    {
        var kept = new SortedDictionary<string, RecordSchema>(StringComparer.Ordinal);
        foreach (var (resource, schema) in declaration.Records ?? new Dictionary<string, RecordSchema>())
        {
            if (read.Contains($"{declaration.System}.{resource}"))
            {
                kept[resource] = schema;
            }
        }

        return kept.Count > 0 ? kept : null;
    }

    /// <summary>True when <see cref="Sha256"/> still matches the content (e.g. after a round trip through storage).</summary>
    public bool IsIntact() => string.Equals(Sha256, ComputeSha256(Definition, Systems, Identities, Groups, Declarations), StringComparison.Ordinal);

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static WorkflowSnapshot FromJson(string json) =>
        JsonSerializer.Deserialize<WorkflowSnapshot>(json, JsonOptions) ?? throw new JsonException("snapshot JSON is null");

    /// <summary>SHA-256 (lowercase hex) over the canonical JSON: object keys sorted ordinally, no whitespace.</summary>
    public static string ComputeSha256(
        WorkflowDefinition definition,
        IReadOnlyList<SystemDefinition> systems,
        IReadOnlyList<IdentityDefinition> identities,
        IReadOnlyList<GroupDefinition> groups,
        IReadOnlyList<SystemDeclaration>? declarations = null)
    {
        // Without declarations the hash is what it was before systems were declared, so earlier snapshots still verify.
        var node = declarations is { Count: > 0 }
            ? JsonSerializer.SerializeToNode(new { definition, systems, identities, groups, declarations }, JsonOptions)
            : JsonSerializer.SerializeToNode(new { definition, systems, identities, groups }, JsonOptions);
        return CanonicalJson.Sha256(node);
    }
}
