using System.Security.Cryptography.X509Certificates;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Time.Testing;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>The HTTPS listener's certificate: created once, reused while valid, replaced when it is about to expire.</summary>
public sealed class TlsCertificateTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "devservices-cert-tests-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void LoadOrCreate_SecondStart_ReusesTheSameCertificate()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var first = TlsCertificate.LoadOrCreate(directory, clock);
        clock.Advance(TimeSpan.FromDays(10));

        using var second = TlsCertificate.LoadOrCreate(directory, clock);

        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(second.HasPrivateKey);
    }

    [Fact]
    public void LoadOrCreate_CertificateExpiresWithinADay_ReplacedAndRepublished()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var first = TlsCertificate.LoadOrCreate(directory, clock);
        clock.Advance(TimeSpan.FromDays(29.5));

        using var second = TlsCertificate.LoadOrCreate(directory, clock);

        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        using var published = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(directory, TlsCertificate.CertificateFile)));
        Assert.Equal(second.Thumbprint, published.Thumbprint);
        Assert.EndsWith(second.ExportCertificatePem().Trim(), File.ReadAllText(Path.Combine(directory, TlsCertificate.BundleFile)).Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_KeyFileCorrupt_NewPairReplacesIt()
    {
        using var first = TlsCertificate.LoadOrCreate(directory, TimeProvider.System);
        File.WriteAllText(Path.Combine(directory, TlsCertificate.KeyFile), "not a key");

        using var second = TlsCertificate.LoadOrCreate(directory, TimeProvider.System);

        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.True(second.HasPrivateKey);
    }

    public void Dispose()
    {
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
