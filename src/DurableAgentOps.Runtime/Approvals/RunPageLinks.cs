namespace DurableAgentOps.Runtime.Approvals;

/// <summary>
/// Where the run page lives: <c>{public base URL}/runs/{runId}/overview</c>, the page the people in a run (its
/// starter, the gates' approvers, readers) sign in to and follow it on. Mails, cards and the CLI link to it.
/// </summary>
public static class RunPageLinks
{
    public static string Route => "/runs/{runId}/overview";

    public static Uri For(Uri publicBaseUrl, string runId)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        ArgumentNullException.ThrowIfNull(runId);
        var root = publicBaseUrl.AbsoluteUri.TrimEnd('/');
        return new Uri($"{root}/runs/{Uri.EscapeDataString(runId)}/overview");
    }
}
