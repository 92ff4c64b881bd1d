using System.CommandLine;
using DurableAgentOps.Core.Evidence;
using DurableAgentOps.Core.Evidence.Story;

namespace DurableAgentOps.Cli.Commands;

/// <summary>agentops export: writes a run's self-contained evidence bundle, checked before it is kept.</summary>
internal sealed class ExportCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var run = new Argument<string>("run") { Description = "The run to export." };
        var output = new Option<string?>("--output", "-o") { HelpName = "file", Description = "Where to write the bundle (default: <run>.evidence.json)." };
        var force = new Option<bool>("--force") { Description = "Replace the file if it exists." };
        var host = HostOptions.Host();
        var command = new Command("export", "Export a run's evidence as a bundle (records, payloads, signed head, tree-head proof, public key) that 'agentops verify --bundle' checks offline.")
        {
            run, output, force, host,
        };
        command.SetAction((result, cancellationToken) =>
            RunAsync(context, result.GetValue(run)!, result.GetValue(output), result.GetValue(force), result.GetValue(host), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, string runId, string? output, bool force, string? hostOption, CancellationToken cancellationToken)
    {
        var path = Path.GetFullPath(output ?? $"{runId}.evidence.json");
        if (File.Exists(path) && !force)
        {
            context.Error.WriteLine($"agentops export: {path} exists; pass --force to replace it");
            return ExitCodes.Usage;
        }

        var (response, code) = await HostOptions.SendAsync(context, "export", hostOption,
            c => c.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}/evidence/bundle", cancellationToken), cancellationToken);
        if (response is null)
        {
            return code;
        }

        // Checked before it is kept: a bundle that does not verify is not written.
        var report = EvidenceBundle.Verify(response.Body);
        if (!report.IsIntact)
        {
            context.Error.WriteLine($"agentops export: the host's bundle of run {runId} does not verify, not writing it: {report.First}");
            return ExitCodes.Failed;
        }

        // Written beside the target and moved into place: never a half-written bundle.
        var temporary = path + ".partial";
        try
        {
            await File.WriteAllTextAsync(temporary, response.Body, new System.Text.UTF8Encoding(false), cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
            context.Error.WriteLine($"agentops export: cannot write {path}: {ex.Message}");
            return ExitCodes.Failed;
        }

        EvidenceBundle.TryParse(response.Body, out var bundle, out _);
        context.Out.WriteLine($"wrote {path}: run {runId}, {bundle!.Records.Count} records, {bundle.Payloads.Count} payloads, signed by key {bundle.KeyId}");
        foreach (var note in RunGovernance.Notes(bundle.Records).Concat(AdministratorActions.Notes(bundle.Records)))
        {
            context.Out.WriteLine($"note: {StoryText.Terminal(note)}");
        }

        context.Out.WriteLine($"verify it anywhere: agentops verify --bundle {Path.GetFileName(path)} [--public-key evidence-public.pem]");
        return ExitCodes.Ok;
    }
}
