namespace DurableAgentOps.Api.Http;

/// <summary>Where people and scripts reach this host (section <c>Host</c>).</summary>
internal sealed class PublicUrlOptions
{
    public const string Section = "Host";

    /// <summary>Base URL put in the links the API returns; never taken from the request's Host header.</summary>
    public Uri PublicBaseUrl { get; set; } = new("http://localhost:7071");
}
