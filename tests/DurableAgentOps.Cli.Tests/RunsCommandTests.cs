using Microsoft.AspNetCore.Http;

namespace DurableAgentOps.Cli.Tests;

/// <summary>agentops runs against a fake host: who decided each run, in words that say how.</summary>
public sealed class RunsCommandTests : IAsyncLifetime
{
    private FakeHost host = null!;

    public async Task InitializeAsync() => host = await FakeHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData("rejected", "decided by Ana Silva", "(one of them rejected)")]
    [InlineData("completed", "approved by Ana Silva", "approved by Bob Manager")]
    [InlineData("timed-out", "approved by Ana Silva", "approved by Bob Manager")]
    public void Runs_TwoDecided_SaysWhoApprovedOrThatOneOfThemRejected(string status, string first, string second)
    {
        host.Runs = () => Results.Json(new
        {
            top = 50, scanned = 1, next = (string?)null,
            runs = new[]
            {
                new
                {
                    runId = "crm-followup-1",
                    summary = new
                    {
                        workflow = "crm-followup", status, startedAt = "2026-12-01T10:00:00Z",
                        initiator = new { id = "t/a1", name = "Alice Martin" },
                        approvers = new[] { new { id = "t/a3", name = "Ana Silva" }, new { id = "t/b2", name = "Bob Manager" } },
                        writes = Array.Empty<string>(),
                    },
                },
            },
        });

        var result = CliRunner.InProcess("runs", "--host", host.Url);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(first, result.Out, StringComparison.Ordinal);
        Assert.Contains(second, result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("approved:", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(status == "rejected" ? "approved by" : "rejected", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_OneDeciderOfARejectedRun_SaysWhoRejected()
    {
        host.Runs = () => Results.Json(new
        {
            top = 50, scanned = 1, next = (string?)null,
            runs = new[]
            {
                new
                {
                    runId = "crm-followup-2",
                    summary = new
                    {
                        workflow = "crm-followup", status = "rejected", startedAt = "2026-12-01T10:00:00Z",
                        initiator = new { id = "t/a1", name = "Alice Martin" },
                        approvers = new[] { new { id = "t/b2", name = "Bob Manager" } },
                        writes = Array.Empty<string>(),
                    },
                },
            },
        });

        var result = CliRunner.InProcess("runs", "--host", host.Url);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("rejected by Bob Manager", result.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("approved by", result.Out, StringComparison.Ordinal);
    }
}
