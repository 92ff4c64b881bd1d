using System.Text;
using System.Text.Json;

namespace DurableAgentOps.Cli.SignIn;

/// <summary>
/// The display claims of an access token, read without verifying it (the host verifies; this is only for showing
/// who the CLI is signed in as and until when).
/// </summary>
internal sealed record TokenClaims(string? Name, string? Upn, string? Audience, DateTimeOffset? ExpiresOn)
{
    public static TokenClaims Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return new TokenClaims(null, null, null, null);
        }

        try
        {
            var payload = parts[1].Replace('-', '+').Replace('_', '/');
            payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
            using var json = JsonDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(payload)));
            var root = json.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            var audience = root.TryGetProperty("aud", out var aud) ? aud.ValueKind == JsonValueKind.Array ? aud[0].GetString() : aud.GetString() : null;
            DateTimeOffset? expires = root.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            return new TokenClaims(Text("name"), Text("preferred_username") ?? Text("upn"), audience, expires);
        }
        catch (Exception ex) when (ex is FormatException or JsonException or InvalidOperationException or IndexOutOfRangeException)
        {
            return new TokenClaims(null, null, null, null);
        }
    }
}
