using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using DurableAgentOps.DevServices.Tests.Infrastructure;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>The HTTPS listener: its certificate, the bundle other processes trust through SSL_CERT_FILE, both ports.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class TlsListenerTests(DevServicesFixture fixture)
{
    [Fact]
    public async Task DotNetChildProcess_SslCertFileIsTheBundle_TrustsTheListener()
    {
        var url = new Uri(fixture.HttpsBaseUrl, "/_dev/clock").ToString();
        var trusted = await TlsProbe.RunAsync(url, new Dictionary<string, string?> { ["SSL_CERT_FILE"] = Path.Combine(fixture.TlsDirectory, "ca-bundle.pem") });
        Assert.True(trusted.ExitCode == 0, trusted.Output);
        Assert.Contains("status 200", trusted.Output, StringComparison.Ordinal);

        // The same process without it refuses the certificate: the bundle is what made the difference.
        var untrusted = await TlsProbe.RunAsync(url, new Dictionary<string, string?>());
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("remote certificate is invalid", untrusted.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_CaCertIsTheCertificate_VerifiesLocalhostAndLoopbackAddress()
    {
        foreach (var host in new[] { "localhost", "127.0.0.1" })
        {
            var start = new ProcessStartInfo("curl")
            {
                ArgumentList = { "--silent", "--show-error", "--fail", "--cacert", Path.Combine(fixture.TlsDirectory, "devservices-ca.pem"), $"https://{host}:{fixture.TlsPort}/healthz-tls-probe" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            // 404 (curl exit 22) means TLS and the host name verified; a certificate problem is exit 60.
            Assert.True(process.ExitCode == 22, $"{host}: curl exit {process.ExitCode}: {error}");
        }
    }

    [Fact]
    public void Bundle_HoldsSystemRootsAndTheCertificate_CertificateNamesLocalhost()
    {
        var pem = File.ReadAllText(Path.Combine(fixture.TlsDirectory, "devservices-ca.pem"));
        using var certificate = X509Certificate2.CreateFromPem(pem);
        Assert.True(certificate.MatchesHostname("localhost"));
        Assert.True(certificate.MatchesHostname("127.0.0.1"));
        var bundle = File.ReadAllText(Path.Combine(fixture.TlsDirectory, "ca-bundle.pem"));
        Assert.EndsWith(pem.Trim(), bundle.Trim(), StringComparison.Ordinal);
        if (File.Exists("/etc/ssl/certs/ca-certificates.crt"))
        {
            Assert.StartsWith(File.ReadAllText("/etc/ssl/certs/ca-certificates.crt").Trim(), bundle, StringComparison.Ordinal);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(fixture.TlsDirectory, "devservices-key.pem")));
        }
    }

    [Fact]
    public async Task SameRoute_BothPorts_AnswerAlike()
    {
        using var trust = new DevCaHttpClientFactory(Path.Combine(fixture.TlsDirectory, "devservices-ca.pem"));
        var https = await trust.GetHttpClient().GetFromJsonAsync<JsonElement>(new Uri(fixture.HttpsBaseUrl, "/signin/.well-known/openid-configuration"));
        var http = await fixture.Http.GetFromJsonAsync<JsonElement>("/signin/.well-known/openid-configuration");
        Assert.Equal(http.GetProperty("issuer").GetString(), https.GetProperty("issuer").GetString());
        using var response = await trust.GetHttpClient().GetAsync(new Uri(fixture.HttpsBaseUrl, "/_dev/clock"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
