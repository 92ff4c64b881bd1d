namespace DurableAgentOps.Core.Diagnostics;

/// <summary>
/// "Did you mean" for a name that is not known: the known name closest to it by edit distance (Damerau-Levenshtein,
/// optimal string alignment: an insertion, deletion, change or swap of two neighbours each count one; case is ignored),
/// and only when it is close for its length. A far-off guess misleads more than silence, so nothing is suggested then.
/// </summary>
public static class NearestName
{
    /// <summary>The longest name compared; past it the distance is not worth its cost (names here are short).</summary>
    private const int MaxLength = 128;

    /// <summary>The closest known name, or null when none is close enough (or <paramref name="typed"/> is itself known).</summary>
    public static string? Find(string typed, IEnumerable<string> known)
    {
        ArgumentNullException.ThrowIfNull(typed);
        ArgumentNullException.ThrowIfNull(known);
        if (typed.Length is 0 or > MaxLength)
        {
            return null;
        }

        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in known.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (name.Length is 0 or > MaxLength || string.Equals(name, typed, StringComparison.Ordinal))
            {
                continue;
            }

            var distance = Distance(typed, name);
            if (distance <= Allowed(typed, name) && distance < bestDistance)
            {
                (best, bestDistance) = (name, distance);
            }
        }

        return best;
    }

    /// <summary>"; did you mean 'x'?" to append to a message, or empty when nothing is close.</summary>
    public static string Hint(string typed, IEnumerable<string> known) =>
        Find(typed, known) is { } name ? $"; did you mean '{name}'?" : string.Empty;

    /// <summary>
    /// One edit per three characters of the longer name, at least one and at most three; and fewer edits than the shorter
    /// name has characters, so "ab" never suggests "xy".
    /// </summary>
    private static int Allowed(string a, string b) =>
        Math.Min(Math.Clamp(Math.Max(a.Length, b.Length) / 3, 1, 3), Math.Min(a.Length, b.Length) - 1);

    /// <summary>Optimal string alignment distance, case-insensitive.</summary>
    internal static int Distance(string a, string b)
    {
        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
