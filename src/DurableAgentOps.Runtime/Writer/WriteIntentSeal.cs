using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// Signs and opens write intents with the intent key. The signature covers the exact bytes sent, so nothing is
/// re-serialised before it is checked; the key used is derived from the configured one for this purpose alone.
/// </summary>
internal static class WriteIntentSeal
{
    public static SignedWriteIntent Sign(WriteIntent intent, byte[] intentKey)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var payload = JsonSerializer.SerializeToUtf8Bytes(intent, EngineJson.Options);
        return new SignedWriteIntent(Base64Url.EncodeToString(payload), Base64Url.EncodeToString(HMACSHA256.HashData(KeyFrom(intentKey), payload)));
    }

    /// <summary>The intent, if the signature is this key's over exactly its bytes; otherwise a refusal saying why.</summary>
    public static WriteIntent Open(SignedWriteIntent signed, byte[] intentKey)
    {
        ArgumentNullException.ThrowIfNull(signed);
        if (TryDecode(signed.Intent) is not { } payload || TryDecode(signed.Signature) is not { Length: 32 } signature)
        {
            throw new WriteIntentRefusedException(WriteIntentRefusal.Forged, "the intent or its signature is not base64url");
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(KeyFrom(intentKey), payload), signature))
        {
            throw new WriteIntentRefusedException(WriteIntentRefusal.Forged, "the signature is not the intent key's over this intent");
        }

        WriteIntent? intent;
        try
        {
            intent = JsonSerializer.Deserialize<WriteIntent>(payload, EngineJson.Options);
        }
        catch (JsonException)
        {
            intent = null;
        }

        return intent is { RunId: not null, StepId: not null, Workflow: not null, DefinitionSha256: not null, Environment: not null, InitiatorId: not null, DecisionIds: not null, Data: not null }
            && intent.Version == WriteIntent.CurrentVersion
            ? intent
            : throw new WriteIntentRefusedException(WriteIntentRefusal.Forged, "the signed intent is not a version-1 write intent");
    }

    private static byte[]? TryDecode(string text)
    {
        try
        {
            return Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    // Its own key, derived, so an intent signature can never stand in for any other use of the configured key.
    private static byte[] KeyFrom(byte[] intentKey) => HMACSHA256.HashData(intentKey, "durableagentops/write-intent/v1"u8);
}
