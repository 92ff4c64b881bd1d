using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>
/// The bundle's text. Written one way only (2-space indent, LF, keys in a fixed order, heads with their keys sorted
/// as in their canonical form, minimal escaping) and read strictly (exact keys, one spelling per value), so reading
/// and writing again gives the same text, which is how a verifier knows no byte was changed.
/// </summary>
internal static class EvidenceBundleJson
{
    private static readonly string[] Keys =
        ["format", "run", "keyId", "publicKey", "head", "headSignature", "treeHead", "treeHeadSignature", "inclusion", "records", "payloads"];

    private static readonly JsonWriterOptions Options = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file, never HTML: keep record texts readable
    };

    public static string Write(EvidenceBundle bundle)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("format", EvidenceBundle.FormatId);
            writer.WriteString("run", bundle.RunId);
            writer.WriteString("keyId", bundle.KeyId);
            writer.WriteString("publicKey", bundle.PublicKey.ToPem());
            writer.WritePropertyName("head");
            Sorted(bundle.Head.ToJson()).WriteTo(writer);
            writer.WriteString("headSignature", bundle.HeadSignature);
            writer.WritePropertyName("treeHead");
            Sorted(bundle.TreeHead.ToJson()).WriteTo(writer);
            writer.WriteString("treeHeadSignature", bundle.TreeHeadSignature);
            writer.WriteStartObject("inclusion");
            writer.WriteNumber("leafIndex", bundle.Inclusion.LeafIndex);
            writer.WriteNumber("treeSize", bundle.Inclusion.TreeSize);
            writer.WriteStartArray("path");
            foreach (var node in bundle.Inclusion.Path)
            {
                writer.WriteStringValue(node);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            writer.WriteStartArray("records");
            foreach (var record in bundle.Records)
            {
                writer.WriteStartObject();
                writer.WriteString("hash", record.StoredHash);
                writer.WriteString("json", record.Json);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartObject("payloads");
            foreach (var (digest, bytes) in bundle.Payloads)
            {
                writer.WriteString(digest, Convert.ToBase64String(bytes));
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    public static bool TryRead(string? json, [NotNullWhen(true)] out EvidenceBundle? bundle, out string? error)
    {
        bundle = null;
        var node = EvidenceFormat.TryParse(json, out error);
        if (node is null)
        {
            return false;
        }

        var reader = StrictObject.Open(node, "bundle", Keys);
        _ = reader.Text("format", f => f == EvidenceBundle.FormatId, $"\"{EvidenceBundle.FormatId}\"");
        var runId = reader.Text("run", EvidenceFormat.IsRunId, "a run id");
        var keyId = reader.Text("keyId", k => k.Length == 16 && k.All(char.IsAsciiHexDigitLower), "16 lowercase hex characters");
        var pem = reader.Text("publicKey", _ => true, "a PEM");
        var headSignature = reader.Text("headSignature", _ => true, "a string");
        var treeHeadSignature = reader.Text("treeHeadSignature", _ => true, "a string");
        var inclusion = ReadInclusion(reader);
        var records = ReadRecords(reader);
        var payloads = ReadPayloads(reader);
        RunHead? head = null;
        TreeHead? treeHead = null;
        EvidencePublicKey? key = null;
        error = reader.Error
            ?? (RunHead.TryRead(node["head"], out head, out var headError) ? null : headError)
            ?? (TreeHead.TryRead(node["treeHead"], out treeHead, out var treeError) ? null : treeError)
            ?? (EvidencePublicKey.TryFromPem(pem, out key, out var keyError) ? null : "publicKey: " + keyError);
        if (error is null)
        {
            bundle = new EvidenceBundle(runId, records, payloads, head!, headSignature, treeHead!, treeHeadSignature, inclusion, key!, keyId);
        }

        return bundle is not null;
    }

    private static InclusionProof ReadInclusion(StrictObject bundle)
    {
        var reader = StrictObject.Open(bundle.Object("inclusion"), "inclusion", "leafIndex", "treeSize", "path");
        var leafIndex = reader.Integer("leafIndex", 0);
        var treeSize = reader.Integer("treeSize", 1);
        var path = new List<string>();
        foreach (var node in reader.Array("path"))
        {
            if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String && EvidenceFormat.IsHash(value.GetValue<string>()))
            {
                path.Add(value.GetValue<string>());
            }
            else
            {
                reader.Fail("path", "a list of SHA-256 hashes in lowercase hex");
            }
        }

        Carry(reader, bundle);
        return new InclusionProof(leafIndex, treeSize, path);
    }

    private static List<StoredRecord> ReadRecords(StrictObject bundle)
    {
        var records = new List<StoredRecord>();
        foreach (var node in bundle.Array("records"))
        {
            var reader = StrictObject.Open(node, "bundle record", "hash", "json");
            var hash = reader.Text("hash", _ => true, "a string");
            var json = reader.Text("json", _ => true, "a string");
            Carry(reader, bundle);

            // A record text that is not a record is the chain's finding (malformed at its position), not the bundle's.
            records.Add(StoredRecord.Parse(json, hash));
        }

        return records;
    }

    private static Dictionary<string, byte[]> ReadPayloads(StrictObject bundle)
    {
        var payloads = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var previous = string.Empty;
        foreach (var (digest, node) in bundle.Object("payloads"))
        {
            if (!EvidencePayload.IsDigest(digest) || string.CompareOrdinal(previous, digest) >= 0)
            {
                bundle.Fail("payloads", "keyed by sha256:<hex> digests in order");
            }
            else if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String && EvidenceFormat.FromBase64(value.GetValue<string>()) is { } bytes)
            {
                payloads[digest] = bytes;
            }
            else
            {
                bundle.Fail("payloads", "base64 values (padded, canonical)");
            }

            previous = digest;
        }

        return payloads;
    }

    private static void Carry(StrictObject from, StrictObject to)
    {
        if (from.Error is { } error)
        {
            to.Adopt(error);
        }
    }

    /// <summary>A head's JSON with its keys in canonical order, so the bundle shows it as it is signed.</summary>
    private static JsonNode Sorted(JsonObject head) => JsonNode.Parse(Canonical.CanonicalJson.Serialize(head))!;
}
