using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.Api.Evidence;

/// <summary>
/// The timeline's time axis: linear, except that a long stretch in which nothing happened (a gate waiting two days
/// beside steps of 200 ms) is drawn as a break of fixed width, so the steps keep a readable width. A gap is broken when
/// it is at least <see cref="MinGap"/> and more than a fifth of the time still drawn to scale; the chart writes each
/// break's length on it. Positions are monotonic: a later time is never left of an earlier one.
/// </summary>
internal sealed class TimelineAxis
{
    public static readonly TimeSpan MinGap = TimeSpan.FromSeconds(10);

    public const double BreakWidth = 64;

    private readonly List<Segment> segments = [];

    private TimelineAxis(DateTimeOffset origin, DateTimeOffset end, double left, double right, IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> busy)
    {
        Origin = origin;
        End = end;
        var gaps = Gaps(busy);
        var total = Math.Max(1, (end - origin).TotalMilliseconds);
        var linear = total;
        var broken = new List<(DateTimeOffset From, DateTimeOffset To)>();
        foreach (var gap in gaps.OrderByDescending(g => g.To - g.From))
        {
            var ms = (gap.To - gap.From).TotalMilliseconds;
            if (gap.To - gap.From >= MinGap && ms > linear * 0.2)
            {
                broken.Add(gap);
                linear -= ms;
            }
        }

        broken.Sort((a, b) => a.From.CompareTo(b.From));
        var scale = Math.Max(0, right - left - (broken.Count * BreakWidth)) / Math.Max(1, linear);
        var at = origin;
        var x = left;
        foreach (var gap in broken)
        {
            var width = (gap.From - at).TotalMilliseconds * scale;
            segments.Add(new Segment(at, gap.From, x, x + width, false));
            x += width;
            segments.Add(new Segment(gap.From, gap.To, x, x + BreakWidth, true));
            x += BreakWidth;
            at = gap.To;
        }

        segments.Add(new Segment(at, end, x, right, false));
    }

    public DateTimeOffset Origin { get; }

    public DateTimeOffset End { get; }

    /// <summary>The stretches drawn to scale and the breaks between them, left to right.</summary>
    public IReadOnlyList<Segment> Segments => segments;

    public IEnumerable<Segment> Breaks => segments.Where(s => s.Broken);

    /// <summary>The axis of a story: from the run's start to its last recorded moment, busy wherever a step ran or something was recorded.</summary>
    public static TimelineAxis Of(RunStory story, double left, double right)
    {
        ArgumentNullException.ThrowIfNull(story);
        var origin = story.Run.Started ?? story.Events.FirstOrDefault()?.At ?? DateTimeOffset.UnixEpoch;
        var busy = story.Steps.Select(s => (From: StartOf(s), To: StartOf(s).AddMilliseconds(s.DurationMs ?? 0)))
            .Concat(story.Events.Select(e => (From: e.At, To: e.At)))
            .Append((From: origin, To: origin))
            .Select(b => (From: Max(b.From, origin), To: Max(b.To, origin)))
            .ToList();
        var end = busy.Select(b => b.To).Append(story.Run.Ended ?? origin).Max();
        return new TimelineAxis(origin, end, left, right, busy);
    }

    /// <summary>When a step started: as recorded, else its record's time less its duration.</summary>
    public static DateTimeOffset StartOf(StoryStep step) => step.Started ?? step.At.AddMilliseconds(-(step.DurationMs ?? 0));

    /// <summary>The x of a moment; inside a break, proportionally across the break's width (so still monotonic).</summary>
    public double X(DateTimeOffset at)
    {
        if (at <= Origin)
        {
            return segments[0].X1;
        }

        foreach (var s in segments)
        {
            if (at <= s.To)
            {
                var ms = (s.To - s.From).TotalMilliseconds;
                return ms <= 0 ? s.X1 : s.X1 + ((at - s.From).TotalMilliseconds / ms * (s.X2 - s.X1));
            }
        }

        return segments[^1].X2;
    }

    /// <summary>The stretches in which nothing was busy, between the merged busy intervals.</summary>
    private static List<(DateTimeOffset From, DateTimeOffset To)> Gaps(IReadOnlyList<(DateTimeOffset From, DateTimeOffset To)> busy)
    {
        var gaps = new List<(DateTimeOffset, DateTimeOffset)>();
        DateTimeOffset? reach = null;
        foreach (var (from, to) in busy.OrderBy(b => b.From))
        {
            if (reach is { } r && from > r)
            {
                gaps.Add((r, from));
            }

            reach = reach is { } current ? Max(current, to) : to;
        }

        return gaps;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>A stretch of the axis: [From, To] drawn from X1 to X2; Broken when it is a compressed gap.</summary>
    public sealed record Segment(DateTimeOffset From, DateTimeOffset To, double X1, double X2, bool Broken)
    {
        public TimeSpan Length => To - From;
    }
}
