namespace DurableAgentOps.Core.Evidence;

/// <summary>What kind of break a verifier found; docs/EVIDENCE.md says what each looks like.</summary>
public enum EvidenceProblemKind
{
    /// <summary>A stored row is not a record at all.</summary>
    Malformed,

    /// <summary>A record's content no longer hashes to its stored hash, or its hash is not the one its successor links to.</summary>
    Changed,

    /// <summary>A seq is missing between stored records.</summary>
    Removed,

    /// <summary>A record that does not belong: a second record with one seq, a record whose prev does not link, another run's record.</summary>
    Inserted,

    /// <summary>A record stored after a record with a higher seq.</summary>
    Reordered,

    /// <summary>Records after the head's last seq that no signed head covers.</summary>
    AppendedAfterHead,

    /// <summary>The head covers records that are no longer stored at the end.</summary>
    Truncated,

    /// <summary>The run has no signed head.</summary>
    HeadMissing,

    /// <summary>The head's run, count or last hash does not match the records.</summary>
    HeadMismatch,

    /// <summary>The head's signature is missing or does not verify with the key.</summary>
    HeadSignature,

    /// <summary>A run the log names has no evidence left (and no tombstone says it was purged).</summary>
    RunMissing,

    /// <summary>A run's current head is not the one its latest log leaf names.</summary>
    LeafMismatch,

    /// <summary>A run's head is newer than the signed tree head: not logged yet.</summary>
    NotLogged,

    /// <summary>A log leaf is out of place or not a leaf.</summary>
    LogMalformed,

    /// <summary>The signed tree head's size or root does not match the leaves.</summary>
    TreeHeadMismatch,

    /// <summary>The tree head's signature is missing or does not verify.</summary>
    TreeHeadSignature,

    /// <summary>A bundle is not a bundle, or not in its one canonical form.</summary>
    BundleMalformed,

    /// <summary>A bundled payload's bytes do not hash to its digest.</summary>
    PayloadMismatch,

    /// <summary>A bundled payload no record references.</summary>
    PayloadUnreferenced,

    /// <summary>The bundle's inclusion proof does not put its run head in its signed tree.</summary>
    NotInTree,

    /// <summary>The key id does not match the public key, or the key is not the trusted one.</summary>
    KeyMismatch,

    /// <summary>The log is smaller than a signed tree head seen before (kept by an investigator, or anchored): restored from an earlier copy.</summary>
    RolledBack,

    /// <summary>The consistency proof from a signed tree head seen before to today's does not verify: leaves were rewritten or removed.</summary>
    NotExtension,

    /// <summary>A kept or anchored tree head's signature does not verify with the key.</summary>
    KeptHeadSignature,

    /// <summary>A run's search index row is missing, unsigned, or says something its signed copy does not.</summary>
    IndexMismatch,
}
