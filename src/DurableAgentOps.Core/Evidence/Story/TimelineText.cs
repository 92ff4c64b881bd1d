using System.Globalization;
using System.Text;

namespace DurableAgentOps.Core.Evidence.Story;

/// <summary>
/// The timeline for a terminal (`agentops timeline &lt;run&gt;`): the run, its lanes (one per identity, with client id,
/// whom a delegated identity acted for, and steps), then one line per event with its offset from the start and its
/// lane. Every value is made terminal-safe.
/// </summary>
public static class TimelineText
{
    public static string Render(RunStory story, RunVerification? verification)
    {
        ArgumentNullException.ThrowIfNull(story);
        var run = story.Run;
        var text = new StringBuilder();
        void Line(string line) => text.Append(StoryText.Terminal(line)).Append('\n');

        Line($"run {run.RunId}: {StoryText.Or(run.Workflow)} (definition {RunStory.Short(run.DefinitionSha256)}, environment {StoryText.Or(run.Environment)})");
        Line($"started {StoryText.Time(run.Started)} by {run.Initiator?.Display ?? RunStory.Missing}; "
            + (run.Ended is null ? run.EndText : $"ended {run.EndText}"));
        if (run.GovernanceWarning is { } warning)
        {
            Line(warning);
        }

        Line($"evidence: {IncidentReport.VerdictOf(verification)}");
        text.Append('\n');

        var width = Math.Min(24, story.Lanes.Select(l => l.Identity.Length).Append(RunStory.GateLane.Length).Max());
        Line("lanes:");
        foreach (var lane in story.Lanes)
        {
            Line($"  {Pad(lane.Identity, width)}  client {RunStory.Join(lane.ClientIds, RunStory.Missing)};{(lane.AsWhom is { } asWhom ? $" {asWhom} (delegated);" : string.Empty)} {lane.Steps.Count} step(s): {string.Join(", ", lane.Steps.Select(s => $"{s.StepId} ({s.Kind}, {s.Outcome})"))}");
        }

        Line($"  {Pad(RunStory.GateLane, width)}  {story.Requests.Count} approval request(s), {story.Decisions.Count} decision(s), {story.IgnoredEvents.Count} ignored event(s), {story.Notices.Count} notice(s)");
        text.Append('\n');

        var origin = run.Started ?? story.Events.FirstOrDefault()?.At ?? DateTimeOffset.UnixEpoch;
        var offsets = story.Events.Select(e => StoryText.Offset(e.At, origin)).ToList();
        var offsetWidth = offsets.Select(o => o.Length).DefaultIfEmpty(8).Max();
        for (var i = 0; i < story.Events.Count; i++)
        {
            var e = story.Events[i];
            Line(string.Create(CultureInfo.InvariantCulture, $"{offsets[i].PadLeft(offsetWidth)}  #{e.Seq,-3} {Pad(e.Lane, width)}  {e.Summary}"));
        }

        foreach (var problem in story.Problems)
        {
            Line($"note: {problem}");
        }

        return text.ToString();
    }

    private static string Pad(string text, int width) => text.Length >= width ? text : text.PadRight(width);
}
