namespace DurableAgentOps.Runtime.Replay;

/// <summary>
/// One side of a divergence: what the recording has there, or what today's code does. <see cref="Kind"/> is
/// <c>activity</c> (with the input's digest and the step it is for), <c>event</c>, <c>timer</c> (named by its time),
/// <c>waiting</c> (what today's code waits for), <c>finished</c> (the outcome, with the result's digest) or <c>end</c>
/// (of the recording).
/// </summary>
public sealed record ReplayCall(string Kind, string Name, string? Digest = null, string? Step = null)
{
    public override string ToString() =>
        $"{Kind} {Name}{(Step is null ? string.Empty : $" (step {Step})")}{(Digest is null ? string.Empty : $" {(Kind == "finished" ? "result" : "input")} sha256 {Digest}")}";
}
