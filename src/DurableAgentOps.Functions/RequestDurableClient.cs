using Microsoft.DurableTask.Client;

namespace DurableAgentOps.Functions;

/// <summary>
/// The durable client of the request being served: Functions hands it to a trigger as a binding, not through DI, so the
/// trigger puts it here and the scoped <see cref="DurableTaskClient"/> registration reads it back for the handlers.
/// </summary>
internal sealed class RequestDurableClient
{
    public DurableTaskClient? Client { get; set; }

    public DurableTaskClient Required =>
        Client ?? throw new InvalidOperationException("no durable client was bound for this request: its trigger must bind [DurableClient]");
}
