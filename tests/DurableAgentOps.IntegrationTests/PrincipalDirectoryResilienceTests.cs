using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Principals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// <see cref="PrincipalDirectory"/> as the host registers it (<c>AddPrincipalDirectory</c>), against a scripted Graph
/// that fails on purpose, with the host identity's real Graph token from the dev identity endpoint.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class PrincipalDirectoryResilienceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Bob = "bob.manager@contoso.example";

    private DevServicesProcess dev = null!;
    private ScriptedHttpService graph = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", $"{dev.BaseUrl}/msi/token");
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", dev.IdentityHeader);
        graph = await ScriptedHttpService.StartAsync();
        graph.Answer = """{"id":"9A000002-0000-4000-8000-000000000002","displayName":"Bob Manager","userPrincipalName":"bob.manager@contoso.example"}""";
    }

    public async Task DisposeAsync()
    {
        await graph.DisposeAsync();
        await dev.DisposeAsync();
    }

    [Fact]
    public async Task FindUserAsync_GraphFailsTwiceThenAnswers_ReturnsTheUser()
    {
        using var host = new DirectoryHost(graph);
        graph.AnswerNext(1, 503);
        graph.AnswerNext(1, 429, TimeSpan.FromSeconds(1));

        var user = await host.Directory.FindUserAsync(Bob, CancellationToken.None);

        Assert.Equal("9a000002-0000-4000-8000-000000000002", user?.Id);
        Assert.Equal(3, graph.Requests.Count);
        Assert.True(graph.Requests[2].At - graph.Requests[1].At >= TimeSpan.FromSeconds(0.9), "Graph's Retry-After: 1 was not waited");
        Assert.Equal(2, host.Logs.Entries.Count(e => e.EventId == 30));
        Assert.DoesNotContain(Bob, string.Join("\n", host.Logs.Entries.Where(e => e.EventId == 30)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FindUserAsync_GraphAsksToWaitMinutes_IsUnavailableAtOnce()
    {
        using var host = new DirectoryHost(graph);
        graph.AnswerNext(1, 429, TimeSpan.FromMinutes(2));

        var failed = await Assert.ThrowsAsync<DirectoryUnavailableException>(() => host.Directory.FindUserAsync(Bob, CancellationToken.None));

        Assert.StartsWith("the directory answered 429 TooManyRequests (asked to retry after 120 s) to GET ", failed.Message, StringComparison.Ordinal);
        Assert.Single(graph.Requests);
    }

    [Fact]
    public async Task FindUserAsync_GraphHangs_IsUnavailableNamingTheWaitNotNotFound()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = new DirectoryHost(graph, clock);
        await host.Directory.FindUserAsync("warm.up@contoso.example", CancellationToken.None); // the token is cached from here on
        graph.HangNext(100);

        var failed = await Assert.ThrowsAsync<DirectoryUnavailableException>(() => FakeClock.RunAsync(clock, TimeSpan.FromMilliseconds(250),
            () => host.Directory.FindUserAsync(Bob, CancellationToken.None)));

        Assert.StartsWith($"the directory at {graph.BaseUrl.GetLeftPart(UriPartial.Authority)} did not answer within ", failed.Message, StringComparison.Ordinal);
        Assert.Equal(DirectoryResilience.MaxRetries + 2, graph.Requests.Count);
    }

    /// <summary>The directory as the host registers it, pointed at the scripted Graph.</summary>
    private sealed class DirectoryHost : IDisposable
    {
        private readonly ServiceProvider services;

        public DirectoryHost(ScriptedHttpService graph, TimeProvider? clock = null)
        {
            var collection = new ServiceCollection();
            collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
            if (clock is not null)
            {
                collection.AddSingleton(clock);
            }

            collection.Configure<DirectoryOptions>(o =>
            {
                o.GraphBaseUrl = new Uri(graph.BaseUrl, "v1.0/");
                o.ClientId = DevServicesProcess.HostClientId;
            });
            collection.AddPrincipalDirectory();
            services = collection.BuildServiceProvider();
        }

        public CapturingLoggerProvider Logs { get; } = new();

        public PrincipalDirectory Directory => services.GetRequiredService<PrincipalDirectory>();

        public void Dispose() => services.Dispose();
    }
}
