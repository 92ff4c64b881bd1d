using System.Text.Json;
using DurableAgentOps.Runtime.Engine;
using DurableAgentOps.Runtime.Samples;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Host;

/// <summary>
/// The quick-start demo: starts one sample governed run over the host's own HTTP API, prints each step as it
/// completes, gives the approval as an approver would (an HTTP call that raises the event), and prints the result.
/// </summary>
internal static class DemoRun
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(WebApplication app, TextWriter output)
    {
        var client = app.Services.GetRequiredService<DurableTaskClient>();
        var engine = app.Services.GetRequiredService<DurableEngine>();
        var baseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        await output.WriteLineAsync($"engine: hub {engine.HubName}, worker {engine.WorkerId}, API {baseUrl}");
        var started = await http.PostAsJsonAsync($"/api/orchestrators/{GovernedRunOrchestrator.Name}",
            new GovernedRunInput("Follow up with Contoso after the renewal call", StepDelayMs: 300), timeout.Token);
        started.EnsureSuccessStatusCode();
        var links = await started.Content.ReadFromJsonAsync<JsonElement>(timeout.Token);
        var id = links.GetProperty("id").GetString()!;
        await output.WriteLineAsync($"run {id} started ({(int)started.StatusCode}); status at {links.GetProperty("statusQueryGetUri").GetString()}");

        var shown = 0;
        while (true)
        {
            var metadata = await client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token)
                ?? throw new InvalidOperationException($"run {id} vanished");
            var progress = metadata.ReadCustomStatusAs<GovernedRunProgress>();
            for (; progress is not null && shown < progress.Steps.Count; shown++)
            {
                var step = progress.Steps[shown];
                await output.WriteLineAsync($"  step {step.Step,-7} done on {step.Worker} in {step.DurationMs} ms");
            }

            if (metadata.IsCompleted)
            {
                var result = metadata.ReadOutputAs<GovernedRunResult>();
                await output.WriteLineAsync($"run {id} {metadata.RuntimeStatus}: {result?.Outcome}" +
                    (result?.Decision is { } d ? $" (approved by {d.Approver})" : string.Empty));
                return metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed && result?.Outcome == "completed" ? 0 : 1;
            }

            if (progress?.Phase == "awaiting-approval")
            {
                await output.WriteLineAsync("  waiting for approval; approving as demo-approver over HTTP (raiseEvent)");
                var decision = new ApprovalDecision(true, "demo-approver@contoso.example", "looks right");
                var raised = await http.PostAsJsonAsync(
                    $"/runtime/webhooks/durabletask/instances/{id}/raiseEvent/{GovernedRunOrchestrator.ApprovalEvent}", decision, Json, timeout.Token);
                raised.EnsureSuccessStatusCode();
                await client.WaitForInstanceCompletionAsync(id, timeout.Token);
                continue;
            }

            await Task.Delay(100, timeout.Token);
        }
    }
}
