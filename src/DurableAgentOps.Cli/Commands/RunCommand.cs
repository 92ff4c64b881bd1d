using System.CommandLine;
using System.Net;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Cli.Output;
using DurableAgentOps.Cli.Runs;
using DurableAgentOps.Cli.Sources;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;

namespace DurableAgentOps.Cli.Commands;

/// <summary>What `agentops run` was asked to do.</summary>
internal sealed record RunArguments(
    string Workflow,
    IReadOnlyList<string> Inputs,
    string? InputJson,
    string? Host,
    bool NoWait,
    string Format);

/// <summary>agentops run &lt;workflow&gt;: start a run on a host and watch it step by step until it ends.</summary>
internal sealed class RunCommand : ICliCommand
{
    /// <summary>How often the status is read while watching: fast enough to feel live, light on the host.</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Consecutive failed status reads tolerated while watching (a host restart), about ten seconds.</summary>
    private const int MaxMissedPolls = 40;

    public Command Create(CliContext context)
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow's name, as the host knows it (e.g. crm-followup)." };
        var inputs = new Option<string[]>("--input", "-i")
        {
            HelpName = "key=value",
            Description = "An input field, key=value (repeatable). Numbers and booleans are sent as such when workflows/<workflow>.yaml declares them so.",
        };
        var inputJson = new Option<string?>("--input-json") { HelpName = "json", Description = "The input as a JSON object, e.g. '{\"accountId\":\"ACC-000001\"}'." };
        var host = HostOptions.Host();
        var noWait = new Option<bool>("--no-wait") { Description = "Print the run id and its run page (where you follow it in a browser) and return at once instead of watching the run." };
        var format = CommonOptions.Format("Output format: text (live progress) or json (the host's final status, or its answer with --no-wait).", "text", "json");
        var command = new Command("run", "Start a workflow run on a DurableAgentOps host, as the person you signed in as (agentops login), and show each step (identity, client id, records touched) as it finishes.")
        {
            workflow, inputs, inputJson, host, noWait, format,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, new RunArguments(
            result.GetValue(workflow)!,
            result.GetValue(inputs) ?? [],
            result.GetValue(inputJson),
            result.GetValue(host),
            result.GetValue(noWait),
            result.GetValue(format)!), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, RunArguments args, CancellationToken cancellationToken)
    {
        var input = RunInputBuilder.Build(args.Inputs, args.InputJson, LocalSchema(args), out var problems);
        problems.ForEach(p => context.Error.WriteLine($"agentops run: {p}"));
        if (problems.Count > 0)
        {
            return ExitCodes.Failed;
        }

        var (connected, exitCode) = await HostOptions.ConnectAsync(context, "run", args.Host, cancellationToken);
        if (connected is null)
        {
            return exitCode;
        }

        using var client = connected;

        string? runId = null;
        string? runPage = null;
        try
        {
            var started = await client.PostAsync($"/api/workflows/{Uri.EscapeDataString(args.Workflow)}/runs", new { input }, cancellationToken);
            if (started.Status != HttpStatusCode.Accepted || started.Read<RunStartedDto>()?.RunId is not { } id)
            {
                return Refused(context, args.Workflow, client.Host, started);
            }

            runId = id;
            var answer = started.Read<RunStartedDto>();
            var initiator = answer?.Initiator?.Name ?? "you";
            runPage = RunPageUrl(answer?.RunPage, client.Host, runId);
            if (args.NoWait)
            {
                context.Out.WriteLine(args.Format == "json" ? started.Body : $"run {runId} started ({args.Workflow}); follow it at {runPage}");
                return ExitCodes.Ok;
            }

            // In json mode stdout carries only the final document; progress still reaches a person, on stderr.
            var progress = new RunProgressWriter(args.Format == "json" ? context.Error : context.Out, runId, runPage);
            (args.Format == "json" ? context.Error : context.Out).WriteLine($"run {runId} started ({args.Workflow}) as {initiator}");
            return await WatchAsync(context, client, runId, progress, args.Format, cancellationToken);
        }
        catch (HostUnreachableException ex)
        {
            var code = HostOptions.Unreachable(context, ex);
            if (runId is not null)
            {
                context.Error.WriteLine($"run {runId} goes on without the CLI; follow it at {runPage}");
            }

            return code;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            context.Error.WriteLine(runId is null
                ? "agentops run: interrupted before the host answered; the run may have started"
                : $"stopped watching run {runId}; the run goes on: follow it at {runPage}");
            return ExitCodes.Interrupted;
        }
    }

    /// <summary>
    /// The run page, where the starter follows the run signed in with a browser (no bearer token): as the host names it
    /// (its pages' public URL), else the host the CLI talks to with the page's route (an older host names none).
    /// </summary>
    internal static string RunPageUrl(string? named, Uri host, string runId) =>
        Uri.TryCreate(named, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? url.AbsoluteUri
            : $"{HostClient.Display(host)}/runs/{Uri.EscapeDataString(runId)}/overview";

    private static async Task<int> WatchAsync(CliContext context, HostClient client, string runId, RunProgressWriter progress, string format, CancellationToken cancellationToken)
    {
        var missed = 0;
        while (true)
        {
            var response = await ReadStatusAsync(client, runId, ++missed < MaxMissedPolls, cancellationToken);
            if (response is null)
            {
                await Task.Delay(PollInterval, cancellationToken);
                continue;
            }

            if (!response.IsSuccess || response.Read<RunStatusDto>() is not { } status)
            {
                return HostOptions.Refused(context, "run", response);
            }

            missed = 0;
            if (status.IsFinished)
            {
                progress.Finish(status);
                if (format == "json")
                {
                    context.Out.WriteLine(response.Body);
                }

                return status.Status == "Completed" ? ExitCodes.Ok : ExitCodes.Failed;
            }

            progress.Update(status);
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>The status, or null for a miss worth retrying (no answer, 404 before the run is visible, 5xx) while <paramref name="retry"/>.</summary>
    private static async Task<HostResponse?> ReadStatusAsync(HostClient client, string runId, bool retry, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.GetAsync($"/api/runs/{Uri.EscapeDataString(runId)}", cancellationToken);
            var transient = response.Status == HttpStatusCode.NotFound || (int)response.Status >= 500;
            return transient && retry ? null : response;
        }
        catch (HostUnreachableException ex) when (retry && ex is not NotADurableAgentOpsHostException)
        {
            return null;
        }
    }

    private static int Refused(CliContext context, string workflow, Uri host, HostResponse response)
    {
        var problem = response.Read<ProblemDto>();
        if (response.Status == HttpStatusCode.BadRequest && problem?.Errors is { Count: > 0 } errors)
        {
            context.Error.WriteLine($"agentops run: the host refused the input of {workflow}:");
            foreach (var error in errors)
            {
                // An error with no field is about the input as a whole (e.g. its size).
                context.Error.WriteLine(string.IsNullOrEmpty(error.Field) ? error.Message : $"input.{error.Field}: {error.Message}");
            }
        }
        else if (response.Status == HttpStatusCode.NotFound)
        {
            // The host lists no workflows; the ones of workflows/ here are the likely names.
            context.Error.WriteLine($"agentops run: the host at {HostClient.Display(host)} has no workflow named '{workflow}' ({response.Explain()}){WorkflowNames.Hint(workflow, ValidateCommand.DefaultPath)}");
        }
        else if (response.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return HostOptions.Refused(context, "run", response);
        }
        else
        {
            context.Error.WriteLine($"agentops run: the host refused to start {workflow}: {response.Explain()}");
        }

        return ExitCodes.Failed;
    }

    /// <summary>The input fields of workflows/&lt;name&gt;.yaml when the file is here; the CLI works without it (all values are text).</summary>
    private static IReadOnlyList<InputField> LocalSchema(RunArguments args)
    {
        var path = ExplainCommand.ResolveWorkflowPath(args.Workflow);
        return File.Exists(path) ? WorkflowLoader.Load(path).Definition?.Input ?? [] : [];
    }
}
