using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Core;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// Signs evidence heads with an Azure Key Vault key (ES256, P-256) through Key Vault's REST API with the host's managed
/// identity: the private key never leaves the vault. (The Azure.Security.KeyVault.Keys package is not available to this
/// build, and the two calls it needs are small.)
/// </summary>
internal sealed class KeyVaultEvidenceSigner : IEvidenceSigner
{
    private const string ApiVersion = "7.4";
    private static readonly string[] Scope = ["https://vault.azure.net/.default"];

    private readonly HttpClient http;
    private readonly TokenCredential credential;
    private readonly Uri keyId;
    private readonly byte[] spki;

    private KeyVaultEvidenceSigner(HttpClient http, TokenCredential credential, Uri keyId, byte[] spki)
    {
        this.http = http;
        this.credential = credential;
        this.keyId = keyId;
        this.spki = spki;
        KeyId = EvidencePublicKey.KeyIdOf(spki);
    }

    public string KeyId { get; }

    public byte[] PublicKeySpki => [.. spki];

    /// <summary>Reads the key's public half (a JWK) once, so heads can be verified without the vault.</summary>
    public static async Task<KeyVaultEvidenceSigner> CreateAsync(HttpClient http, TokenCredential credential, Uri keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = await RequestAsync(credential, HttpMethod.Get, new Uri($"{keyId.AbsoluteUri.TrimEnd('/')}?api-version={ApiVersion}"), null, cancellationToken);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await ReadAsync(response, "read the evidence key", cancellationToken);
        var jwk = body.GetProperty("key");
        if (jwk.GetProperty("kty").GetString() is not ("EC" or "EC-HSM") || jwk.GetProperty("crv").GetString() != "P-256")
        {
            throw new InvalidOperationException($"the Key Vault key {keyId} is not an EC P-256 key");
        }

        using var ec = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url(jwk.GetProperty("x").GetString()!), Y = Base64Url(jwk.GetProperty("y").GetString()!) },
        });
        return new KeyVaultEvidenceSigner(http, credential, keyId, ec.ExportSubjectPublicKeyInfo());
    }

    public async Task<byte[]> SignDigestAsync(byte[] sha256Digest, CancellationToken cancellationToken)
    {
        var body = JsonContent.Create(new { alg = "ES256", value = ToBase64Url(sha256Digest) });
        using var request = await RequestAsync(credential, HttpMethod.Post, new Uri($"{keyId.AbsoluteUri.TrimEnd('/')}/sign?api-version={ApiVersion}"), body, cancellationToken);
        using var response = await http.SendAsync(request, cancellationToken);
        return Base64Url((await ReadAsync(response, "sign an evidence head", cancellationToken)).GetProperty("value").GetString()!);
    }

    private static async Task<HttpRequestMessage> RequestAsync(TokenCredential credential, HttpMethod method, Uri url, HttpContent? content, CancellationToken cancellationToken)
    {
        var token = await credential.GetTokenAsync(new TokenRequestContext(Scope), cancellationToken);
        var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        return request;
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Key Vault refused to {what}: {(int)response.StatusCode} {response.StatusCode}");
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }

    private static string ToBase64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }
}
