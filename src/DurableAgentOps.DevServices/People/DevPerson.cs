namespace DurableAgentOps.DevServices.People;

/// <summary>A group of the identity catalogue, by its local object id (what tokens and Graph answers carry).</summary>
internal sealed record DevGroup(string Name, string ObjectId, string Description);

/// <summary>
/// A person of the dev directory. <see cref="Id"/> (the object id) is who they are; the user principal name is how
/// they are looked up and shown, compared ignoring case but otherwise exactly (a look-alike is someone else).
/// </summary>
internal sealed record DevPerson(string UserPrincipalName, string Id, string Name, IReadOnlyList<string> Roles, IReadOnlyList<DevGroup> Groups)
{
    /// <summary>Dev people have a mailbox at their sign-in name.</summary>
    public string Mail => UserPrincipalName;
}
