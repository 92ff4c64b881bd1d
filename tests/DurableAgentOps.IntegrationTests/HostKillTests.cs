using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// A governed run survives its host being killed (SIGKILL: no shutdown, no lease released) at each point of its life:
/// a new host finishes it with exactly one write at the sample system and a ledger that verifies. (Killed after the
/// write was committed and before its result was saved: GovernedRunTests.Write_HostKilledAfterCommitBeforeResultSaved_….)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class HostKillTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Tasks = "/crm/accounts/ACC-000002/tasks";
    private DevServicesProcess dev = null!;

    public async Task InitializeAsync() => dev = await DevServicesProcess.StartAsync(azurite);

    public async Task DisposeAsync() => await dev.DisposeAsync();

    [Theory]
    [Trait("Category", "Reliability")]
    [InlineData("after-read")]
    [InlineData("during-draft")]
    [InlineData("at-gate")]
    [InlineData("after-decision")]
    public async Task Run_HostKilled_NewHostFinishesItWithOneWriteAndALedgerThatVerifies(string when)
    {
        var settings = HostProcess.DefaultSettings(azurite, EngineHost.NewHubName(), dev);
        string runId;
        var approved = false;
        await using (var doomed = await HostProcess.StartHealthyAsync(settings))
        {
            runId = await GovernedRuns.StartAsync(doomed, dev, "crm-followup", new { accountId = "ACC-000002" });
            switch (when)
            {
                case "after-read":
                    await GovernedRuns.WaitAsync(doomed, runId, s => s.GetProperty("steps").GetArrayLength() >= 1, "its first read done");
                    break;
                case "during-draft":
                    await GovernedRuns.WaitAsync(doomed, runId, s => s.GetProperty("currentStep").GetString() == "draft-followup", "drafting");
                    break;
                case "at-gate":
                    await GovernedRuns.WaitPhaseAsync(doomed, runId, "awaiting-approval");
                    break;
                default:
                    await GovernedRuns.WaitPhaseAsync(doomed, runId, "awaiting-approval");
                    await GovernedRuns.ApproveAsync(doomed, dev, runId); // 202: recorded and raised; the write has not run
                    approved = true;
                    break;
            }

            doomed.Kill();
            await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        await using var next = await HostProcess.StartHealthyAsync(settings);
        if (!approved)
        {
            await GovernedRuns.WaitPhaseAsync(next, runId, "awaiting-approval");
            await GovernedRuns.ApproveAsync(next, dev, runId);
        }

        var done = await GovernedRuns.WaitFinishedAsync(next, runId);

        Assert.True(done.GetProperty("outcome").GetString() == "completed", done.ToString());
        Assert.Equal(1, await GovernedRuns.RecordsAsync(dev, "crm", Tasks, "crm-reader"));
        var verified = await GovernedRuns.VerifyAsync(next, runId);
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
    }
}
