using System.Text.Json;
using DurableAgentOps.IntegrationTests.Infrastructure;
using DurableAgentOps.Runtime.Shared;
using DurableAgentOps.Runtime.Workflows;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// A run's status never contradicts the orchestration's own state. The hub is left as a host dying at the wrong moment
/// leaves it: orchestrations under the governed orchestrator's name that ended without ever saving their progress
/// (custom status); the real host then reads them through its API.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class RunStatusTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task GetRun_EndedWithoutItsProgressSaved_StatusComesFromTheOrchestrationsStateAndResult()
    {
        string hub, completed, failed;
        var step = new StepSummary("read-account", Core.Model.StepKind.Read, "crm-reader", "client-1", Core.Model.StepScope.Empty, ["crm.accounts.read"],
            ["ACC-000002"], DateTimeOffset.UtcNow, 12, "succeeded", "w-1", null);
        await using (var engine = await EngineHost.StartAsync(azurite, tasks => tasks
            .AddOrchestratorFunc<string, RunResult>(AgentWorkflowOrchestrator.Name, (_, outcome) => outcome == "fail"
                ? throw new InvalidOperationException("the host died in the middle")
                : Task.FromResult(new RunResult(outcome, [step], [])))))
        {
            hub = engine.HubName;
            completed = await StartAsync(engine, "completed");
            failed = await StartAsync(engine, "fail");
            Assert.Equal(OrchestrationRuntimeStatus.Completed, (await engine.WaitForCompletionAsync(completed)).RuntimeStatus);
            Assert.Equal(OrchestrationRuntimeStatus.Failed, (await engine.WaitForCompletionAsync(failed)).RuntimeStatus);
        }

        await using var host = await HostProcess.StartHealthyAsync(HostProcess.DefaultSettings(azurite, hub));
        var done = await host.GetJsonAsync<JsonElement>($"/api/runs/{completed}");
        var broken = await host.GetJsonAsync<JsonElement>($"/api/runs/{failed}");

        Assert.Equal("Completed", done.GetProperty("status").GetString());
        Assert.Equal("completed", done.GetProperty("phase").GetString());
        Assert.Equal("completed", done.GetProperty("outcome").GetString());
        Assert.Equal("read-account", Assert.Single(done.GetProperty("steps").EnumerateArray()).GetProperty("stepId").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("waitingFor").ValueKind);

        Assert.Equal("Failed", broken.GetProperty("status").GetString());
        Assert.Equal("failed", broken.GetProperty("phase").GetString());
        Assert.Equal("failed", broken.GetProperty("outcome").GetString());
        Assert.Contains("the host died in the middle", broken.GetProperty("failure").GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string> StartAsync(EngineHost engine, string outcome)
    {
        var id = $"status-{Guid.NewGuid():N}";
        await engine.Client.ScheduleNewOrchestrationInstanceAsync(AgentWorkflowOrchestrator.Name, outcome, new StartOrchestrationOptions(id)
        {
            Tags = new Dictionary<string, string> { ["workflow"] = "crm-followup", ["initiatorId"] = "alice-id", ["initiator"] = "Alice" },
        });
        return id;
    }
}
