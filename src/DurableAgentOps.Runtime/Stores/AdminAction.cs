namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// An administrator's action on a run (terminate, suspend, resume, purge of its engine history), as the host recorded it
/// before acting: who (the principal's tenant and object id from the verified token; names are display), what, why and
/// when. <see cref="ActionId"/> names it in the run's evidence, so it is put there once.
/// </summary>
public sealed record AdminAction(
    string RunId, string ActionId, string Action, string PrincipalId, string? TenantId, string ObjectId, string PrincipalName, string? PrincipalUpn,
    string? Reason, DateTimeOffset At, string Via)
{
    public const string Terminate = "terminate";
    public const string Suspend = "suspend";
    public const string Resume = "resume";
    public const string Purge = "purge";
}
