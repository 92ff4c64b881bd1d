namespace DurableAgentOps.Core.Model;

/// <summary>What a system is: business systems hold records; a model system only answers prompts.</summary>
public enum SystemKind
{
    Business,
    Model,
}

/// <summary>A system steps may call, with the resources its operations name.</summary>
public sealed record SystemDefinition(string Name, SystemKind Kind, string Description, IReadOnlyList<string> Resources);

/// <summary>
/// What one identity may do in one system. Operations are stored fully qualified (crm.accounts.read) even though
/// the catalogue file writes them under the system key (crm: accounts.read), so grants and steps compare as-is.
/// </summary>
public sealed record SystemGrant(
    string System,
    IReadOnlyList<string> Operations,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Records,
    IReadOnlyList<string> Fields);

/// <summary>One logical identity: in Azure, one user-assigned managed identity.</summary>
public sealed record IdentityDefinition(
    string Name,
    string Description,
    IReadOnlyDictionary<string, string> ClientIds,
    IReadOnlyList<SystemGrant> Grants,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] IdentityApp App = IdentityApp.Main,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] Delegation ActsFor = Delegation.None)
{
    public SystemGrant? GrantFor(string system) => Grants.FirstOrDefault(g => g.System == system);

    /// <summary>True when the identity acts for a person (on-behalf-of), never under authority of its own.</summary>
    /// <remarks>Not serialized: snapshots, their hashes and activity inputs hold only what the catalogue says (<see cref="ActsFor"/>).</remarks>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsDelegated => ActsFor != Delegation.None;

    public IEnumerable<string> GrantedOperations => Grants.SelectMany(g => g.Operations);
}

/// <summary>
/// Whose authority an identity acts under. <see cref="None"/>: its own (a service identity, in Azure a managed
/// identity). <see cref="Initiator"/>: the person who started the run, through the on-behalf-of flow, so the target
/// system checks that person's own rights and the guard the declared scope: the effective scope is both at once.
/// </summary>
public enum Delegation
{
    None,
    Initiator,
}

/// <summary>
/// The app an identity is attached to: the main app (every step of a shared-app workflow, and the read, draft and route
/// steps of any), or the writer, a separate app or process that alone holds it and runs the write steps of
/// separate-writer workflows.
/// </summary>
public enum IdentityApp
{
    Main,
    Writer,
}

/// <summary>
/// A group of people that gates and starters name. In Azure each is an Entra group, known by its object id; locally the
/// dev directory's group of the same name has the <c>local</c> object id.
/// </summary>
public sealed record GroupDefinition(string Name, string Description, IReadOnlyDictionary<string, string> ObjectIds);

/// <summary>workflows/identities.yaml: the systems, the identities steps run as, and the groups of people gates name.</summary>
public sealed record IdentityCatalogue(
    IReadOnlyList<SystemDefinition> Systems,
    IReadOnlyList<IdentityDefinition> Identities,
    IReadOnlyList<GroupDefinition>? Groups = null)
{
    public IReadOnlyList<GroupDefinition> Groups { get; init; } = Groups ?? [];

    /// <summary>
    /// The systems declared in the catalogue's <c>systems/</c> folder. Null only when the catalogue was read without its
    /// folder (text alone, e.g. from a git revision): then there is nothing to check operations against, and a run
    /// still refuses any call its snapshot does not declare.
    /// </summary>
    public IReadOnlyList<SystemDeclaration>? Declarations { get; init; }

    /// <summary>The declaration of a qualified operation, or null.</summary>
    public OperationDeclaration? FindOperation(string operation) =>
        OperationName.TryParse(operation, out var op) ? Declarations?.FirstOrDefault(d => d.System == op.System)?.Find(operation) : null;

    /// <summary>The clientIds key every identity needs: the dev identity endpoint issues tokens for it.</summary>
    public const string LocalEnvironment = "local";

    public static IdentityCatalogue Empty { get; } = new([], []);

    public IdentityDefinition? Find(string name) => Identities.FirstOrDefault(i => i.Name == name);

    public SystemDefinition? FindSystem(string name) => Systems.FirstOrDefault(s => s.Name == name);

    public GroupDefinition? FindGroup(string name) => Groups.FirstOrDefault(g => g.Name == name);

    /// <summary>True when the operation changes a business system (any verb but a read verb).</summary>
    public bool IsWrite(string operation) =>
        OperationName.TryParse(operation, out var op) && !op.IsRead && FindSystem(op.System)?.Kind == SystemKind.Business;
}
