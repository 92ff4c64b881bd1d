using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// The value formats every evidence document shares: run ids, kinds, hashes, times, base64 and strict JSON reading.
/// Each reader accepts exactly one spelling of a value, so a document that parses writes back byte for byte.
/// </summary>
internal static partial class EvidenceFormat
{
    /// <summary>Millisecond precision, always UTC with a literal Z.</summary>
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Strict JSON: duplicate properties are an error, not "last one wins".</summary>
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>
    /// Run ids are table keys and appear unescaped in every canonical form: letters, digits and <c>. _ : -</c>, which
    /// JSON writers everywhere leave as they are (so a verifier in another language rebuilds the same bytes).
    /// </summary>
    [GeneratedRegex(@"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,199}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    public static partial Regex RunIdPattern();

    /// <summary>Record kinds (run-start, step, refusal, …): lowercase words; the wiring decides which.</summary>
    [GeneratedRegex(@"\A[a-z][a-z0-9._-]{0,63}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    public static partial Regex KindPattern();

    [GeneratedRegex(@"\A[0-9a-f]{64}\z", RegexOptions.CultureInvariant, matchTimeoutMilliseconds: 1000)]
    private static partial Regex Hex64Pattern();

    public static bool IsRunId(string? text) => text is not null && RunIdPattern().IsMatch(text);

    public static bool IsKind(string? text) => text is not null && KindPattern().IsMatch(text);

    /// <summary>A SHA-256 in lowercase hex, the only spelling hashes have here.</summary>
    public static bool IsHash(string? text) => text is not null && Hex64Pattern().IsMatch(text);

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary><paramref name="at"/> cut to the millisecond its canonical form keeps.</summary>
    public static DateTimeOffset ToMilliseconds(DateTimeOffset at) =>
        new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);

    public static bool TryParseTime(string text, out DateTimeOffset at) =>
        DateTimeOffset.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at) && Time(at) == text;

    public static string Base64Url(ReadOnlySpan<byte> bytes) => Canonical.CanonicalBase64Url.Encode(bytes);

    /// <summary>Unpadded base64url that re-encodes to itself (no stray bits in the last character), else null.</summary>
    public static byte[]? FromBase64Url(string? text) => Canonical.CanonicalBase64Url.Decode(text);

    /// <summary>Padded standard base64 that re-encodes to itself, else null.</summary>
    public static byte[]? FromBase64(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var buffer = new byte[(text.Length / 4 * 3) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) && Convert.ToBase64String(buffer.AsSpan(0, written)) == text
            ? buffer[..written]
            : null;
    }

    /// <summary>Parses strict JSON; null with the reason when it is not JSON.</summary>
    public static JsonNode? TryParse(string? text, out string? error)
    {
        error = null;
        if (text is null)
        {
            error = "no text";
            return null;
        }

        try
        {
            var node = JsonNode.Parse(text, documentOptions: Strict);
            if (node is null)
            {
                error = "null is not a document";
            }

            return node;
        }
        catch (JsonException ex)
        {
            error = "not JSON: " + ex.Message;
            return null;
        }
    }

    /// <summary>The canonical form of <paramref name="node"/>, or null when it has none (a lone surrogate, too deep).</summary>
    public static string? TryCanonical(JsonNode node)
    {
        try
        {
            return Canonical.CanonicalJson.Serialize(node);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or JsonException)
        {
            return null;
        }
    }

    public static bool IsObject(JsonNode? node, [NotNullWhen(true)] out JsonObject? obj)
    {
        obj = node as JsonObject;
        return obj is not null;
    }
}
