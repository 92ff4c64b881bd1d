using System.Text.Json.Nodes;
using DurableAgentOps.Runtime.Drafting;
using DurableAgentOps.Runtime.Evidence;
using DurableAgentOps.Runtime.Identity;
using DurableAgentOps.Runtime.Shared;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.Runtime.Workflows;

/// <summary>A draft step: the model writes from the data, under the drafter identity, which holds no business grant.</summary>
public sealed class DraftStepActivity(
    DraftModel model, StepCredentials credentials, Redactor redactor, WorkerInfo worker, CarriedEvidence carried, ClientIdResolver clientIds, IOptions<AgentOpsRunOptions> options,
    ILogger<DraftStepActivity> logger)
    : StepActivityBase(worker, carried, clientIds, options, logger)
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

        // The model sees redacted values (it is the processor the workflow chose); what is kept — the prompt, the draft —
        // holds their markers again, so a model that echoes a value does not put it in clear into the run's history.
        var (revealed, values) = await redactor.RevealAsync(input.RunId, input.Data, CancellationToken.None);
        var messages = DraftPrompt.Build(input with { Data = (JsonObject)revealed! });
        var response = await chat.GetResponseAsync(messages, new ChatOptions { ResponseFormat = ChatResponseFormat.Json });
        var draft = JsonNode.Parse(response.Text) as JsonObject
            ?? throw new StepRefusedException($"the model's draft is not a JSON object ({response.Text.Length} characters)");
        var output = await redactor.RedactAsync(input.RunId, RunData.AliasOf(input.Step), (JsonObject)Redactor.Scrub(draft, values)!, input.Redact, CancellationToken.None);
        var usage = new ModelUsage(response.ModelId ?? "unknown", Redactor.ScrubText(string.Join("\n\n", messages.Select(m => m.Text)), values),
            response.Usage?.InputTokenCount ?? 0, response.Usage?.OutputTokenCount ?? 0);
        return (output, [input.Step.Operation ?? "model.completions.create"], [], usage);
    }
}
