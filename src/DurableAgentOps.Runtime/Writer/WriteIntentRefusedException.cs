namespace DurableAgentOps.Runtime.Writer;

/// <summary>The writer refuses an intent: nothing was written.</summary>
internal sealed class WriteIntentRefusedException(WriteIntentRefusal refusal, string reason) : Exception(reason)
{
    public WriteIntentRefusal Refusal { get; } = refusal;
}
