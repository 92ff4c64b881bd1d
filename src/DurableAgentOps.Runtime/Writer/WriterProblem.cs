using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// What the writer answers when it did not make the write whole: a refused intent (<see cref="Refusal"/>; nothing was
/// written), or a write stopped part way (<see cref="Calls"/>, and whether the system or the guard refused the call that
/// failed, which no retry cures).
/// </summary>
public sealed record WriterProblem(string Error, string Detail, string? Refusal = null, WriteCalls? Calls = null, bool Refused = false);
