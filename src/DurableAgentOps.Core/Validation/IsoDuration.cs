using System.Globalization;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Validation;

/// <summary>
/// ISO 8601 durations (P2D, PT4H, P1W, P1Y2M3DT4H5M6.5S). Years and months count as 365 and 30 days: precise
/// enough to compare timeouts, which is all the product does with them before the runtime schedules a timer.
/// </summary>
public static partial class IsoDuration
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text is null || DurationPattern().Match(text) is not { Success: true } match || text == "P" || text.EndsWith('T'))
        {
            return false;
        }

        double Part(string name) => match.Groups[name].Success ? double.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        var seconds = (Part("y") * 365 * 86400) + (Part("mo") * 30 * 86400) + (Part("w") * 7 * 86400) + (Part("d") * 86400) +
            (Part("h") * 3600) + (Part("mi") * 60) + Part("s");
        if (seconds >= TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }

    [GeneratedRegex(@"^P(?:(?<y>\d{1,6})Y)?(?:(?<mo>\d{1,6})M)?(?:(?<w>\d{1,6})W)?(?:(?<d>\d{1,6})D)?(?:T(?:(?<h>\d{1,6})H)?(?:(?<mi>\d{1,6})M)?(?:(?<s>\d{1,6}(?:\.\d{1,6})?)S)?)?$", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex DurationPattern();
}
