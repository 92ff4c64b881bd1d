using Azure.Identity;
using DurableAgentOps.Core.Evidence;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>The signer of run heads and tree heads: a local PEM key, or a Key Vault key (read once).</summary>
public sealed class EvidenceKeys(IOptions<EvidenceOptions> options, IHttpClientFactory http) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private IEvidenceSigner? signer;

    public async Task<IEvidenceSigner> SignerAsync(CancellationToken cancellationToken)
    {
        if (signer is not null)
        {
            return signer;
        }

        await gate.WaitAsync(cancellationToken);
        try
        {
            var settings = options.Value;
            signer ??= settings.SigningKey is { Length: > 0 } pem
                ? new PemEvidenceSigner(pem)
                : settings.KeyVaultKeyId is { } kid
                    ? await KeyVaultEvidenceSigner.CreateAsync(http.CreateClient(nameof(KeyVaultEvidenceSigner)),
                        new ManagedIdentityCredential(settings.KeyVaultClientId is { Length: > 0 } id ? ManagedIdentityId.FromUserAssignedClientId(id) : ManagedIdentityId.SystemAssigned),
                        kid, cancellationToken)
                    : throw new InvalidOperationException($"no evidence signing key: set {EvidenceOptions.Section}:SigningKey or {EvidenceOptions.Section}:KeyVaultKeyId");
            return signer;
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task<EvidencePublicKey> PublicKeyAsync(CancellationToken cancellationToken) =>
        EvidencePublicKey.FromSpki((await SignerAsync(cancellationToken)).PublicKeySpki);

    public void Dispose()
    {
        (signer as IDisposable)?.Dispose();
        gate.Dispose();
    }
}
