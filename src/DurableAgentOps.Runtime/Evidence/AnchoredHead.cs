using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>
/// A signed tree head as the anchor store holds it: the head, and the log's right edge and the leaves it added after
/// the head anchored before it (as the appender read them), so a run whose leaves were later cut from the log can be
/// named.
/// </summary>
public sealed record AnchoredHead(SignedTreeHead Signed, MerkleFrontier? Frontier, IReadOnlyList<LogLeaf> Leaves);
