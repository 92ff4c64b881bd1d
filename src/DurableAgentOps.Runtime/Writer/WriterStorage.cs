using DurableAgentOps.Runtime.Stores;

namespace DurableAgentOps.Runtime.Writer;

/// <summary>
/// The writer's own storage (<c>AzureWebJobsStorage</c> of the writer: its own account in Azure), where it keeps its
/// intent record out of the main app's reach. What it reads of a run (definitions, decisions, the vault) is in the
/// run storage, <see cref="WriterOptions.RunStorageSetting"/>.
/// </summary>
public sealed class WriterStorage(GovernanceStorage own)
{
    public GovernanceStorage Own { get; } = own;
}
