using DurableAgentOps.DevServices.People;
using DurableAgentOps.DevServices.Shared;

namespace DurableAgentOps.DevServices.Graph;

/// <summary>
/// The Microsoft Graph routes the host reads people and group members from, with Graph's JSON shapes, over the dev
/// directory. Callers are directory readers with a workload token for https://graph.microsoft.com.
/// </summary>
internal static class GraphApi
{
    public const string Base = "/graph/v1.0";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var graph = endpoints.MapGroup(Base);
        graph.MapGet("/users/{idOrUserPrincipalName}", GetUser).RequiresGraphPermission("User.Read.All");
        graph.MapGet("/users/{idOrUserPrincipalName}/transitiveMemberOf", GetMemberOf).RequiresGraphPermission("GroupMember.Read.All");
        graph.MapGet("/groups/{groupId}/transitiveMembers", GetMembers).RequiresGraphPermission("GroupMember.Read.All");
        graph.MapPost("/users/{idOrUserPrincipalName}/revokeSignInSessions", RevokeSignInSessions).RequiresGraphPermission("User.RevokeSessions.All");
    }

    private static IResult GetUser(string idOrUserPrincipalName, DevDirectory directory) =>
        directory.FindPerson(idOrUserPrincipalName) is { } person ? Results.Json(User(person, withType: false), DevJson.Options) : NotFound(idOrUserPrincipalName);

    /// <summary>As Graph: every refresh token and session of the person issued before now stops working; answers {"value": true}.</summary>
    private static IResult RevokeSignInSessions(string idOrUserPrincipalName, DevDirectory directory, SignIn.SessionRevocations revocations, TimeProvider time, ILoggerFactory loggers) =>
        SignIn.DelegationEndpoints.Revoke(idOrUserPrincipalName, directory, revocations, time, loggers.CreateLogger(SignIn.DelegationEndpoints.LogCategory), "Graph revokeSignInSessions") is null
            ? NotFound(idOrUserPrincipalName)
            : Results.Json(new Dictionary<string, object> { ["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean", ["value"] = true }, DevJson.Options);

    private static IResult GetMemberOf(string idOrUserPrincipalName, DevDirectory directory) =>
        directory.FindPerson(idOrUserPrincipalName) is { } person
            ? Collection(person.Groups.Select(g => new Dictionary<string, object?>
            {
                ["@odata.type"] = "#microsoft.graph.group",
                ["id"] = g.ObjectId,
                ["displayName"] = g.Name,
            }))
            : NotFound(idOrUserPrincipalName);

    private static IResult GetMembers(string groupId, DevDirectory directory) =>
        directory.FindGroup(groupId) is { } group ? Collection(directory.MembersOf(group).Select(p => User(p, withType: true))) : NotFound(groupId);

    private static Dictionary<string, object?> User(DevPerson person, bool withType)
    {
        var user = new Dictionary<string, object?>();
        if (withType)
        {
            user["@odata.type"] = "#microsoft.graph.user";
        }

        user["id"] = person.Id;
        user["displayName"] = person.Name;
        user["userPrincipalName"] = person.UserPrincipalName;
        user["mail"] = person.Mail;
        return user;
    }

    private static IResult Collection(IEnumerable<Dictionary<string, object?>> items) => Results.Json(new { value = items.ToList() }, DevJson.Options);

    private static IResult NotFound(string id) =>
        GraphError(StatusCodes.Status404NotFound, "Request_ResourceNotFound",
            $"Resource '{id}' does not exist or one of its queried reference-property objects are not present.");

    /// <summary>Graph's error shape: {"error":{"code","message"}}.</summary>
    public static IResult GraphError(int status, string code, string message) =>
        Results.Json(new { error = new { code, message } }, DevJson.Options, statusCode: status);
}
