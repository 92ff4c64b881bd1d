using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using Azure.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;

namespace DurableAgentOps.Runtime.Drafting;

/// <summary>The model draft steps use. Unset: the offline drafter. Set: Azure OpenAI under the drafter identity.</summary>
public sealed class DraftModelOptions
{
    public const string Section = "AgentOps:Model";

    /// <summary>Azure OpenAI v1 endpoint, e.g. https://contoso-ai.openai.azure.com/openai/v1/; empty means offline.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>The deployment (model) name.</summary>
    public string Deployment { get; set; } = "gpt-4o-mini";

    /// <summary>Token scope of Azure AI services.</summary>
    public string Scope { get; set; } = "https://cognitiveservices.azure.com/.default";
}

/// <summary>
/// Gives a draft step its chat client for the step's own credential, so the model is called as the drafter identity
/// and no other. One client per credential, reused.
/// </summary>
public sealed class DraftModel(IOptions<DraftModelOptions> options, OfflineDrafter offline)
{
    private readonly ConcurrentDictionary<TokenCredential, IChatClient> clients = new();

    public bool IsOffline => options.Value.Endpoint is null;

    public IChatClient For(TokenCredential drafter) => IsOffline ? offline : clients.GetOrAdd(drafter, Create);

    private IChatClient Create(TokenCredential credential)
    {
        // OPENAI001: the token-policy constructor is marked evaluation-only; it is the documented way to use Entra ID.
#pragma warning disable OPENAI001
        var client = new ChatClient(options.Value.Deployment, new BearerTokenPolicy(credential, options.Value.Scope),
            new OpenAIClientOptions { Endpoint = options.Value.Endpoint });
#pragma warning restore OPENAI001
        return client.AsIChatClient();
    }
}
