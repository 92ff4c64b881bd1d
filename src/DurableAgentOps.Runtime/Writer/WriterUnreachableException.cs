namespace DurableAgentOps.Runtime.Writer;

/// <summary>The writer could not be reached or failed on its side: a transient failure the step's retry may cure.</summary>
internal sealed class WriterUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
