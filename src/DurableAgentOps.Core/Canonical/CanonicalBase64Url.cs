namespace DurableAgentOps.Core.Canonical;

/// <summary>
/// Unpadded base64url with one spelling: the last character's unused bits must be zero, so a text decodes only if it
/// re-encodes to itself. Signatures, links and page tokens are compared as text; a second spelling of the same bytes
/// would verify too.
/// </summary>
public static class CanonicalBase64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    /// <summary>The bytes of <paramref name="text"/>, or null unless it is unpadded base64url that re-encodes to itself.</summary>
    public static byte[]? Decode(string? text)
    {
        if (string.IsNullOrEmpty(text) || !System.Buffers.Text.Base64Url.IsValid(text) || text.Contains('=', StringComparison.Ordinal))
        {
            return null;
        }

        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(text);
        return Encode(bytes) == text ? bytes : null;
    }
}
