using System.Text;
using DurableAgentOps.Core.Canonical;

namespace DurableAgentOps.Runtime.Shared;

/// <summary>
/// Continuation tokens of the paged lists: a prefix naming the list (and its token version), then the last row key
/// read, in base64url with one spelling (<see cref="CanonicalBase64Url"/>, as the ledger's signatures and approval links). Not a secret and
/// not trusted: the list checks the key it gets back.
/// </summary>
public static class PageTokens
{
    /// <summary>Longest token read: a prefix and a row key of up to 300 characters.</summary>
    public const int MaxLength = 410;

    public static string Encode(string prefix, string rowKey) => prefix + CanonicalBase64Url.Encode(Encoding.UTF8.GetBytes(rowKey));

    /// <summary>The row key in <paramref name="token"/>, or null when it is not a token of the list with this prefix.</summary>
    public static string? Decode(string prefix, string? token) =>
        token is { Length: <= MaxLength } && token.StartsWith(prefix, StringComparison.Ordinal)
            && CanonicalBase64Url.Decode(token[prefix.Length..]) is { } bytes
            ? Encoding.UTF8.GetString(bytes) // the list's own key check refuses anything it did not issue
            : null;
}
