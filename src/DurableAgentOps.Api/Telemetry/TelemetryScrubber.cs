using System.Diagnostics;
using DurableAgentOps.Runtime.Telemetry;
using OpenTelemetry;

namespace DurableAgentOps.Api.Telemetry;

/// <summary>
/// The last word on every span before any exporter sees it, whatever its source: a request path becomes its route
/// template (an approval page's path is its link token), queries and full URLs go (a Teams webhook URL is a credential,
/// directory URLs name people), and another source's error text goes (DTFx puts a failed step's message there, which
/// can quote a system's answer). Registered first, so exporters that export as a span ends see the scrubbed span.
/// </summary>
internal sealed class TelemetryScrubber : BaseProcessor<Activity>
{
    private static readonly string[] Dropped =
        ["url.query", "url.full", "http.url", "http.target", "durabletask.task.error_message", "exception.message", "exception.stacktrace"];

    public override void OnEnd(Activity data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.GetTagItem("url.path") is not null)
        {
            data.SetTag("url.path", data.GetTagItem("http.route") as string); // no route: no path
        }

        foreach (var tag in Dropped)
        {
            if (data.GetTagItem(tag) is not null)
            {
                data.SetTag(tag, null);
            }
        }

        if (data.Status == ActivityStatusCode.Error && data.Source.Name != RuntimeTelemetry.SourceName)
        {
            data.SetStatus(ActivityStatusCode.Error);
        }
    }
}
