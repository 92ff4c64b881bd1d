namespace DurableAgentOps.Runtime.Approvals;

/// <summary>Where the approval page lives: <c>{public base URL}/approvals/{token}</c>.</summary>
public static class ApprovalPageLinks
{
    public static string RoutePrefix => "/approvals";

    public static Uri For(Uri publicBaseUrl, string token)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        var root = publicBaseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri($"{root}{RoutePrefix}/{Uri.EscapeDataString(token)}");
    }
}
