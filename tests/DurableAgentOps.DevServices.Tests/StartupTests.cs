using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>Start-up: clear failures for storage, catalogue and settings; seeding twice is harmless.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class StartupTests(DevServicesFixture services)
{
    [Fact]
    public async Task Start_UnreachableStorage_FailsWithinTenSecondsNamingTheEndpoint()
    {
        var closedPort = Ports.Free();
        var stopwatch = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = services.Tables.ConnectionString.Replace($":{services.Tables.Port}/", $":{closedPort}/", StringComparison.Ordinal),
        }));

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed}");
        Assert.Contains($"127.0.0.1:{closedPort}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingCatalogue_FailsNamingThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "identities.yaml");

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = services.Tables.ConnectionString,
            ["DevServices:Catalogue"] = missing,
        }));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BadSettings_ReportsEveryBadSettingByName()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = services.Tables.ConnectionString,
            ["DevServices:TokenLifetime"] = "00:00:10",
            ["DevServices:TablePrefix"] = "9-bad",
            ["DevServices:SignIn:TokenLifetime"] = "2.00:00:00",
            ["DevServices:DirectoryReaderClientIds:0"] = " ",
            ["DevServices:SignIn:DelegatedTokenLifetime"] = "00:00:10",
            ["DevServices:TlsPort"] = "-1",
        }));

        Assert.Contains(error.Failures, f => f.Contains("DevServices:SignIn:DelegatedTokenLifetime must be between 00:01:00 and 1.00:00:00", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DevServices:TlsPort must be 0 (no HTTPS listener) or a port 1-65535, not -1", StringComparison.Ordinal));

        Assert.Contains(error.Failures, f => f.Contains("DevServices:TokenLifetime", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DevServices:SignIn:TokenLifetime", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DevServices:DirectoryReaderClientIds", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("DevServices:TablePrefix", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Not/Base64!Secret-7f3a;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;", "Not/Base64!Secret-7f3a")]
    [InlineData("Secret-7f3a-pasted-without-a-keyword", "Secret-7f3a")]
    public async Task Start_MalformedStorageConnectionString_ExitsWithCode2NamingTheSettingWithoutStackTrace(string connectionString, string secret)
    {
        var exit = await DevServicesProcess.RunUntilExitAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connectionString });

        Assert.True(exit.ExitCode == 2, $"exit code {exit.ExitCode}; stderr: {exit.Error}");
        Assert.Contains("DurableAgentOps.DevServices: cannot start: AzureWebJobsStorage is not a valid storage connection string", exit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, exit.Output + exit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exit.Output + exit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", exit.Output + exit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddDevSignIn_AloneInAnApp_ServesTheProviderWithoutIdentityEndpointOrStorage()
    {
        var port = Ports.Free();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DevServices:PublicUrl"] = $"http://127.0.0.1:{port}",
            ["DevServices:Catalogue"] = TestPaths.Catalogue,
        });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddDevSignIn(builder.Configuration);
        await using var app = builder.Build();
        app.MapDevSignIn();
        await app.StartAsync();
        using var client = new SignInClient(new Uri($"http://127.0.0.1:{port}/"));

        var tokens = await client.SignInAsync("lee.lead@contoso.example");

        Assert.Equal($"http://127.0.0.1:{port}/signin", new JsonWebToken(tokens.GetProperty("access_token").GetString()!).Issuer);
        await app.StopAsync();
    }

    [Fact]
    public async Task Start_SecondHostOnSameTables_SeedsIdempotentlyAndKeepsWrites()
    {
        var headerFile = Path.Combine(Directory.CreateTempSubdirectory("devservices-").FullName, "identity-header");
        var writer = await services.TokenAsync("crm-writer", "crm");
        var subject = $"Written before restart [{Guid.NewGuid():N}]";
        (await services.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000002/tasks", writer, new { subject }, Guid.NewGuid().ToString())).Dispose();

        await using var second = await DevServicesHost.StartAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = services.Tables.ConnectionString,
            ["DevServices:IdentityHeaderFile"] = headerFile,
        });

        // The second host has its own random header (written to the file) and its own signing key.
        using var http = new HttpClient { BaseAddress = second.BaseUrl };
        var request = new HttpRequestMessage(HttpMethod.Get, $"/msi/token?api-version=2019-08-01&resource=api://durableagentops/crm&client_id={services.ClientId("crm-reader")}");
        request.Headers.Add("X-IDENTITY-HEADER", await File.ReadAllTextAsync(headerFile));
        using var tokenResponse = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var tasks = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000002/tasks", token, client: http);
        Assert.Equal(HttpStatusCode.OK, tasks.StatusCode);
        Assert.Contains((await tasks.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray(), t => t.GetProperty("subject").GetString() == subject);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(headerFile));
        }

        // A token of the first host does not open the second (another key, another issuer).
        using var foreign = await services.SendAsync(HttpMethod.Get, "/crm/accounts/ACC-000002", writer, client: http);
        Assert.Equal(HttpStatusCode.Unauthorized, foreign.StatusCode);
    }
}
