namespace DurableAgentOps.Runtime.Writer;

/// <summary>A write intent as it travels: its JSON (base64url) and the HMAC-SHA256 over exactly those bytes.</summary>
public sealed record SignedWriteIntent(string Intent, string Signature);
