using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// What the writer answers for a write made whole: the step's output, what it touched, the client id it wrote under,
/// and which process wrote it.
/// </summary>
public sealed record WriterAnswer(JsonObject Output, IReadOnlyList<string> Operations, IReadOnlyList<string> Records, string ClientId, string Worker);
