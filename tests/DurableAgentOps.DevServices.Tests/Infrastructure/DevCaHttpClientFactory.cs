using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Identity.Client;

namespace DurableAgentOps.DevServices.Tests.Infrastructure;

/// <summary>
/// MSAL's HTTP client for this test process, trusting exactly the DevServices certificate (devservices-ca.pem) as a
/// custom root: real TLS, real chain building, no "accept anything". (A process started with SSL_CERT_FILE needs none
/// of this: see TlsListenerTests.)
/// </summary>
public sealed class DevCaHttpClientFactory : IMsalHttpClientFactory, IDisposable
{
    private readonly X509Certificate2 root;
    private readonly HttpClient client;

    public DevCaHttpClientFactory(string caPemPath)
    {
        root = X509Certificate2.CreateFromPem(File.ReadAllText(caPemPath));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { root },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        client = new HttpClient(handler);
    }

    public HttpClient GetHttpClient() => client;

    public void Dispose()
    {
        client.Dispose();
        root.Dispose();
    }
}
