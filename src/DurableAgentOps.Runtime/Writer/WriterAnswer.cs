using System.Text.Json.Nodes;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>What the writer answers for a write made whole: the step's output, what it touched, and which process wrote it.</summary>
public sealed record WriterAnswer(JsonObject Output, IReadOnlyList<string> Operations, IReadOnlyList<string> Records, string Worker);

/// <summary>
/// What the writer answers when it did not make the write whole: a refused intent (<see cref="Refusal"/>; nothing was
/// written), or a write stopped part way (<see cref="Calls"/>, and whether the system refused the call that failed).
/// </summary>
public sealed record WriterProblem(string Error, string Detail, string? Refusal = null, Shared.WriteCalls? Calls = null, bool SystemRefused = false);
