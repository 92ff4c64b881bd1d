using System.Text.Json.Nodes;

namespace DurableAgentOps.Core.Evidence;

/// <summary>What an activity wants recorded; <see cref="EvidenceChain.Append"/> numbers and links it.</summary>
public sealed record EvidenceEntry(string Kind, DateTimeOffset At, JsonObject Data);
