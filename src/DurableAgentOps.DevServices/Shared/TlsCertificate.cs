using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace DurableAgentOps.DevServices.Shared;

/// <summary>
/// The HTTPS listener's self-signed certificate for localhost and 127.0.0.1: reused from the TLS directory while it
/// is valid for another day, else created. Published as <see cref="CertificateFile"/> and <see cref="BundleFile"/>
/// (the system bundle plus this certificate), which a process trusts through SSL_CERT_FILE. The key stays in the
/// directory, readable by the owner only.
/// </summary>
internal static class TlsCertificate
{
    public const string CertificateFile = "devservices-ca.pem";
    public const string KeyFile = "devservices-key.pem";
    public const string BundleFile = "ca-bundle.pem";
    public const string SystemBundle = "/etc/ssl/certs/ca-certificates.crt";
    public const string SubjectName = "CN=localhost, O=DurableAgentOps DevServices";

    /// <summary>The configured directory, else devservices-tls under the temp directory.</summary>
    public static string ResolveDirectory(string? configured) =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? Path.Combine(Path.GetTempPath(), "devservices-tls") : configured);

    public static X509Certificate2 LoadOrCreate(string directory, TimeProvider time)
    {
        Directory.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, CertificateFile);
        var keyPath = Path.Combine(directory, KeyFile);
        var certificate = TryLoad(certificatePath, keyPath, time) ?? Create(certificatePath, keyPath, time);
        WriteBundle(Path.Combine(directory, BundleFile), certificate);
        return certificate;
    }

    private static X509Certificate2? TryLoad(string certificatePath, string keyPath, TimeProvider time)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var now = time.GetUtcNow();
            if (certificate.NotBefore <= now && certificate.NotAfter > now.AddDays(1) && certificate.Subject == SubjectName)
            {
                return certificate;
            }

            certificate.Dispose();
        }
        catch (CryptographicException)
        {
            // Unreadable or mismatched: a new pair replaces it.
        }

        return null;
    }

    private static X509Certificate2 Create(string certificatePath, string keyPath, TimeProvider time)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());

        // Its own trust anchor: a CA that may sign nothing below it, used as the server certificate.
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = time.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(30));

        WriteOwnerOnly(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, created.ExportCertificatePem() + "\n");
        return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
    }

    private static void WriteBundle(string path, X509Certificate2 certificate)
    {
        var system = File.Exists(SystemBundle) ? File.ReadAllText(SystemBundle) : string.Empty;
        if (system.Length > 0 && !system.EndsWith('\n'))
        {
            system += "\n";
        }

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, system + certificate.ExportCertificatePem() + "\n");
        File.Move(temporary, path, overwrite: true);
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
    }
}
