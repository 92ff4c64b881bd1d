using System.Net;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// <see cref="SystemClient"/> as the host registers it (<c>AddSystemClient</c>), against scripted systems that fail on
/// purpose, with real step tokens from the dev identity endpoint (the scripted systems take any token). Support and
/// finance identities only: ScopeEnforcementTests holds the process-wide token cache's CRM entries.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class SystemClientResilienceTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly SystemCall ReadTicket = new("support.tickets.read", "support", HttpMethod.Get, "/support/tickets/TCK-0000001", null, null);
    private static readonly SystemCall ReadInvoice = new("finance.invoices.read", "finance", HttpMethod.Get, "/finance/invoices/INV-0000001", null, null);
    private static readonly string SupportReader = "6f1c0a10-0000-4000-8000-000000000003";
    private static readonly string FinanceReader = "6f1c0a10-0000-4000-8000-000000000005";

    private DevServicesProcess dev = null!;
    private ScriptedHttpService support = null!;
    private ScriptedHttpService finance = null!;

    public async Task InitializeAsync()
    {
        dev = await DevServicesProcess.StartAsync(azurite);
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", $"{dev.BaseUrl}/msi/token");
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", dev.IdentityHeader);
        support = await ScriptedHttpService.StartAsync();
        finance = await ScriptedHttpService.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await support.DisposeAsync();
        await finance.DisposeAsync();
        await dev.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_SystemKeepsFailing_CircuitOpensAndLaterCallsFailAtOnceNamingIt()
    {
        using var host = new ClientHost(support, finance);
        support.AnswerNext(100, 503);

        // One call's seven attempts cannot open the breaker: the call fails with the system's own answer.
        var first = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None));
        Assert.StartsWith("support answered 503 ServiceUnavailable to support.tickets.read", first.Message, StringComparison.Ordinal);
        Assert.Equal(SystemCallResilience.MaxRetries + 1, support.Requests.Count);

        // The next failures reach ten in the window, half or more failed: the breaker opens and the call ends unsent.
        var second = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None));
        Assert.StartsWith("support is failing: calls to it are paused after repeated failures (circuit open", second.Message, StringComparison.Ordinal);
        Assert.EndsWith("support.tickets.read (GET /support/tickets/TCK-0000001) was not sent", second.Message, StringComparison.Ordinal);
        Assert.Equal(SystemCallResilience.BreakMinimumAttempts, support.Requests.Count);
        var third = await Assert.ThrowsAsync<HttpRequestException>(() => host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None));
        Assert.Contains("circuit open", third.Message, StringComparison.Ordinal);
        Assert.Equal(SystemCallResilience.BreakMinimumAttempts, support.Requests.Count);

        // Another system has its own breaker.
        Assert.NotNull(await host.Client.SendAsync(ReadInvoice, FinanceReader, null, CancellationToken.None));
        var opened = Assert.Single(host.Logs.Entries, e => e.EventId == 21);
        Assert.Contains("Calls to support paused for 15 s", opened.Message, StringComparison.Ordinal);
        Assert.Equal(SystemCallResilience.MaxRetries + 3, host.Logs.Entries.Count(e => e.EventId == 20)); // the third retry of the second call met the open circuit
    }

    [Fact]
    public async Task SendAsync_AttemptHangs_IsAbandonedAtTheAttemptTimeoutAndRetriedWithAFreshToken()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = new ClientHost(support, finance, clock);
        await host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None); // the token is cached from here on
        support.HangNext(1);
        var started = clock.GetUtcNow();

        // 100 ms of the clock per 10 ms: the 10 s attempt timeout passes in about a second, a healthy answer in well under.
        var answer = await FakeClock.RunAsync(clock, TimeSpan.FromMilliseconds(100),
            () => host.Client.SendAsync(ReadTicket with { Path = "/support/tickets/TCK-0000002" }, SupportReader, null, CancellationToken.None));

        Assert.NotNull(answer);
        var attempts = support.Requests.Where(r => r.Path == "/support/tickets/TCK-0000002").ToList();
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.True(a.HasBearer));
        Assert.InRange(clock.GetUtcNow() - started, SystemCallResilience.AttemptTimeout, SystemCallResilience.TotalTimeout);
        var retry = Assert.Single(host.Logs.Entries, e => e.EventId == 20);
        Assert.Contains("no answer within 10 s", retry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendAsync_SystemNeverAnswers_FailsAtTheTotalTimeoutNamingIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var host = new ClientHost(support, finance, clock);
        await host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None);
        support.HangNext(100);

        var failed = await Assert.ThrowsAsync<HttpRequestException>(() => FakeClock.RunAsync(clock, TimeSpan.FromMilliseconds(500),
            () => host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None)));

        Assert.Equal("support did not answer support.tickets.read (GET /support/tickets/TCK-0000001) within 60 s", failed.Message);
        Assert.Equal(HttpStatusCode.RequestTimeout, failed.StatusCode);
        Assert.InRange(support.Requests.Count - 1, 2, SystemCallResilience.MaxRetries + 1);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task SendAsync_SystemRefuses_StepIsRefusedWithoutARetry(int status)
    {
        using var host = new ClientHost(support, finance);
        support.AnswerNext(1, status);

        var refused = await Assert.ThrowsAsync<StepRefusedException>(() => host.Client.SendAsync(ReadTicket, SupportReader, null, CancellationToken.None));

        Assert.StartsWith($"support answered {status} ", refused.Message, StringComparison.Ordinal);
        Assert.Single(support.Requests);
        Assert.DoesNotContain(host.Logs.Entries, e => e.EventId == 20);
    }

    /// <summary>The client as the host registers it, both systems pointed at their scripted stand-ins.</summary>
    private sealed class ClientHost : IDisposable
    {
        private readonly ServiceProvider services;

        public ClientHost(ScriptedHttpService support, ScriptedHttpService finance, TimeProvider? clock = null)
        {
            var collection = new ServiceCollection();
            collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
            if (clock is not null)
            {
                collection.AddSingleton(clock);
            }

            collection.Configure<SystemsOptions>(o =>
            {
                o.Endpoints["support"] = new SystemEndpoint { BaseUrl = support.BaseUrl };
                o.Endpoints["finance"] = new SystemEndpoint { BaseUrl = finance.BaseUrl };
            });
            collection.AddSystemClient();
            services = collection.BuildServiceProvider();
        }

        public CapturingLoggerProvider Logs { get; } = new();

        public SystemClient Client => services.GetRequiredService<SystemClient>();

        public void Dispose() => services.Dispose();
    }
}
