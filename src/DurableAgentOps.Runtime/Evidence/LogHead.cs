using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Runtime.Evidence;

/// <summary>What <c>GET /api/evidence/head</c> answers: the log, its key, a consistency proof, the latest anchor, the anchored leaves asked for.</summary>
public sealed record LogHead(StoredLog Log, EvidencePublicKey Key, ConsistencyProof? Proof, AnchoredHead? Anchor, IReadOnlyList<LogLeaf> AnchoredLeaves);
