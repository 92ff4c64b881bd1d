using Azure.Data.Tables;
using Azure.Storage.Blobs;
using DurableAgentOps.Runtime.Engine;
using Microsoft.Extensions.Configuration;

namespace DurableAgentOps.Runtime.Stores;

/// <summary>
/// The product's own storage beside the task hub, in the same account: the definitions the host deployed (blobs) and
/// the approval decisions it recorded (a table). Names start with the task hub's, so hubs sharing an account stay apart.
/// </summary>
public sealed class GovernanceStorage
{
    public const string PrefixSetting = "AgentOps:StorePrefix";

    private GovernanceStorage(TableServiceClient tables, BlobServiceClient blobs, string prefix, bool createsStores = true)
    {
        CreatesStores = createsStores;
        Tables = tables;
        Blobs = blobs;
        Prefix = prefix;
    }

    /// <summary>
    /// Whether its stores create their table or container on first use; false for one only read (the writer's view of
    /// the run storage, where it holds read roles only: the main app has created them).
    /// </summary>
    public bool CreatesStores { get; }

    /// <summary>The same storage, read only: no store creates anything in it.</summary>
    public GovernanceStorage AsReader() => new(Tables, Blobs, Prefix, createsStores: false);

    public TableServiceClient Tables { get; }

    public BlobServiceClient Blobs { get; }

    /// <summary>Letters and digits, starting with a letter (the task hub name rules), so it suits tables and containers.</summary>
    public string Prefix { get; }

    public string DecisionsTable => Prefix + "Decisions";

    public string DefinitionsContainer => Prefix.ToLowerInvariant() + "-definitions";

    public string ChangesContainer => Prefix.ToLowerInvariant() + "-changes";

    public string LinksTable => Prefix + "Links";

    public string WaitingGatesTable => Prefix + "WaitingGates";

    public string WriteIntentsTable => Prefix + "WriteIntents";

    public string AdmissionTable => Prefix + "Admission";

    public string IssuedRunsTable => Prefix + "IssuedRuns";

    public string AdminActionsTable => Prefix + "AdminActions";

    /// <summary>The encrypted token sessions of runs that act for the person who started them (on-behalf-of).</summary>
    public string DelegatedSessionsTable => Prefix + "DelegatedSessions";

    public string VaultContainer => Prefix.ToLowerInvariant() + "-vault";

    public string EvidenceTable => Prefix + "Evidence";

    public string EvidenceHeadsTable => Prefix + "EvidenceHeads";

    public string EvidenceSupersededTable => Prefix + "EvidenceSuperseded";

    public string EvidenceLogTable => Prefix + "EvidenceLog";

    public string EvidencePayloadsContainer => Prefix.ToLowerInvariant() + "-evidence";

    /// <summary>
    /// From <c>AgentOps:StorePrefix</c>, else the task hub name (host.json or its app-setting override), else the
    /// default hub name; storage from the same connection the engine uses.
    /// </summary>
    public static GovernanceStorage FromConfiguration(IConfiguration configuration, StorageConnection storage)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(storage);
        var prefix = PrefixOf(configuration);
        if (PrefixProblem(prefix) is { } problem)
        {
            throw new InvalidOperationException(problem);
        }

        return new GovernanceStorage(storage.CreateTableServiceClient(), storage.CreateBlobServiceClient(), prefix);
    }

    /// <summary><c>AgentOps:StorePrefix</c>, else the task hub name (host.json or its app-setting override), else the default hub name.</summary>
    public static string PrefixOf(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[PrefixSetting]
            ?? configuration[$"{DurableEngineOptions.OverrideSection}:hubName"]
            ?? configuration[$"{DurableEngineOptions.HostJsonSection}:hubName"]
            ?? new DurableEngineOptions().HubName;
    }

    /// <summary>Why the prefix cannot name tables and containers, or null when it can.</summary>
    public static string? PrefixProblem(string prefix) =>
        prefix.Length is < 3 or > 45 || !char.IsAsciiLetter(prefix[0]) || !prefix.All(char.IsAsciiLetterOrDigit)
            ? $"{PrefixSetting} (or the hub name) must be 3-45 letters or digits starting with a letter, not '{prefix}'"
            : null;
}
