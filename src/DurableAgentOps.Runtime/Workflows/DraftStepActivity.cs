using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Drafting;
using DurableAgentOps.Runtime.Identity;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A draft step: the model writes from the data, under the drafter identity, which holds no business grant.</summary>
public sealed class DraftStepActivity(
    DraftModel model, StepCredentials credentials, WorkerInfo worker, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options, ILogger<DraftStepActivity> logger)
    : StepActivityBase(worker, clientIds, options, logger)
{
    public const string Name = nameof(DraftStepActivity);

    protected override async Task<(JsonObject?, IReadOnlyList<string>, IReadOnlyList<string>, ModelUsage?)> RunStepAsync(StepInvocation input)
    {
        // The model is called under the drafter's own identity and no other. The offline drafter needs no token, but
        // asking for one still proves the identity exists and is the drafter's.
        var chat = model.For(credentials.For(input.ClientId));
        if (model.IsOffline)
        {
            await credentials.GetTokenAsync(input.ClientId, input.Step.System ?? "model", CancellationToken.None);
        }

        var messages = DraftPrompt.Build(input);
        var response = await chat.GetResponseAsync(messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json });
        var output = JsonNode.Parse(response.Text) as JsonObject
            ?? throw new StepRefusedException($"the model's draft is not a JSON object: {response.Text[..Math.Min(120, response.Text.Length)]}");
        var usage = new ModelUsage(response.ModelId ?? "unknown", string.Join("\n\n", messages.Select(m => m.Text)),
            response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0);
        return (output, [input.Step.Operation ?? "model.completions.create"], [], usage);
    }
}
