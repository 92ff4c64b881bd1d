namespace DurableAgentOps.Runtime.Writer;

/// <summary>Why the writer refused an intent, as its answer names it.</summary>
public enum WriteIntentRefusal
{
    /// <summary>Not signed with the intent key, altered since, or not an intent at all.</summary>
    Forged,

    /// <summary>Issued longer ago than <see cref="WriterOptions.IntentLifetime"/>.</summary>
    Expired,

    /// <summary>Its write was already made whole: an intent is used once.</summary>
    Used,

    /// <summary>Signed, but what it asks is not what was approved or allowed (change, decisions, definition, scope).</summary>
    NotApproved,
}
