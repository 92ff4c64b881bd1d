using System.CommandLine;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.Output;
using DurableAgentOps.Cli.Sources;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Explain;
using DurableAgentOps.Core.Governance;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops explain &lt;workflow&gt;: identity, scope, approval and evidence, step by step, from the file alone; with
/// --host, as that host would run it (GET /api/host): lines it does not enforce are marked, client ids are its.
/// </summary>
internal sealed class ExplainCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var workflow = new Argument<string>("workflow") { Description = "A workflow file, or a workflow name under workflows/ (e.g. crm-followup)." };
        var format = CommonOptions.Format("Output format: table (terminal; 'text' is the same), markdown (for a pull request) or json.", "table", "text", "markdown", "json");
        var environment = new Option<string>("--environment", "-e")
        {
            Description = "Which client id to show for each identity (a key under clientIds in identities.yaml; with --host, default: the host's).",
            DefaultValueFactory = _ => IdentityCatalogue.LocalEnvironment,
        };
        var host = new Option<string?>("--host")
        {
            HelpName = "url",
            Description = "Explain as this running host enforces it (asks GET /api/host with your sign-in): marks what its settings leave out. "
                + "Without it, explain reads the file only.",
        };
        var command = new Command("explain", "Explain what each step of a workflow may do, under which identity, and what needs approval.") { workflow, format, environment, host };
        command.SetAction((result, cancellationToken) => RunAsync(context, result.GetValue(workflow)!, result.GetValue(format)!,
            result.GetResult(environment) is { Implicit: false } ? result.GetValue(environment) : null, result.GetValue(host), cancellationToken));
        return command;
    }

    /// <summary>Explains the file; <paramref name="environment"/> is the --environment given, or null for the default (the host's with --host, else local).</summary>
    internal static async Task<int> RunAsync(CliContext context, string workflow, string format, string? environment, string? hostUrl, CancellationToken cancellationToken)
    {
        var path = ResolveWorkflowPath(workflow);
        if (!File.Exists(path))
        {
            context.Error.WriteLine(NotFound(workflow, path));
            return ExitCodes.Failed;
        }

        var loaded = WorkflowLoader.Load(path);
        if (loaded.HasErrors)
        {
            FindingWriter.WriteText(context.Error, loaded.AllFindings.Where(f => f.IsError));
            context.Error.WriteLine($"agentops explain: {path} has errors; fix them first (agentops validate {path})");
            return ExitCodes.Failed;
        }

        HostGovernance? host = null;
        if (hostUrl is not null)
        {
            var (response, code) = await HostOptions.SendAsync(context, "explain", hostUrl, c => c.GetAsync("/api/host", cancellationToken), cancellationToken);
            if (response is null)
            {
                return code;
            }

            // The client has checked the answer is a DurableAgentOps host's (else it said so, exit 3).
            host = response.Read<HostDto>()!.ToGovernance()!;
        }

        var explanation = WorkflowExplainer.Explain(loaded.Definition!, loaded.Catalogue.Catalogue,
            environment ?? host?.IdentitiesEnvironment ?? IdentityCatalogue.LocalEnvironment, host);
        context.Out.Write(format switch
        {
            "markdown" => ExplainRenderer.Markdown(explanation),
            "json" => ExplainRenderer.Json(explanation),
            _ => ExplainRenderer.Table(explanation),
        });
        return ExitCodes.Ok;
    }

    /// <summary>
    /// No such workflow: a bare name is looked for among workflows/, a path among the files of its folder, and the
    /// closest is offered in the form it was typed.
    /// </summary>
    private static string NotFound(string workflow, string path)
    {
        var folder = Path.GetDirectoryName(path) is { Length: > 0 } directory ? directory : ".";
        if (path != workflow)
        {
            return $"agentops explain: no workflow named '{workflow}' in {folder}/{WorkflowNames.Hint(workflow, folder)}";
        }

        var files = Directory.Exists(folder) ? Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>().Where(WorkflowSetValidator.IsYaml) : [];
        var near = NearestName.Find(Path.GetFileName(path), files);
        var hint = near is null ? string.Empty : $"; did you mean '{(Path.GetDirectoryName(path) is { Length: > 0 } typed ? Path.Combine(typed, near) : near)}'?";
        return $"agentops explain: no such file: {path}{hint}";
    }

    /// <summary>A bare name means workflows/&lt;name&gt;.yaml, so `agentops explain crm-followup` works from the repository root.</summary>
    internal static string ResolveWorkflowPath(string workflow)
    {
        if (File.Exists(workflow) || workflow.Contains('/', StringComparison.Ordinal) || workflow.Contains('.', StringComparison.Ordinal))
        {
            return workflow;
        }

        return Path.Combine(ValidateCommand.DefaultPath, workflow + ".yaml");
    }
}
