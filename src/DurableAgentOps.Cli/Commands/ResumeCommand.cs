using System.CommandLine;
using System.Net;
using DurableAgentOps.Cli.HostApi;

namespace DurableAgentOps.Cli.Commands;

/// <summary>What `agentops resume` was asked to do.</summary>
internal sealed record ResumeArguments(string RunId, string? Host);

/// <summary>
/// agentops resume &lt;runId&gt;: an administrator finishes a write that stopped part way (phase write-incomplete) once
/// the system is back: the same approved change, the same idempotency keys, no new approval.
/// </summary>
internal sealed class ResumeCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var runId = new Argument<string>("runId") { Description = "The run whose write is incomplete (its status says phase write-incomplete)." };
        var host = HostOptions.Host();
        var command = new Command("resume",
            "Resume a run whose approved write stopped part way (phase write-incomplete), as an administrator (app role AgentOps.Administrator): the run sends the same change again with the same idempotency keys, so nothing is written twice.")
        {
            runId, host,
        };
        command.SetAction((result, cancellationToken) => RunAsync(context, new ResumeArguments(result.GetValue(runId)!, result.GetValue(host)), cancellationToken));
        return command;
    }

    internal static async Task<int> RunAsync(CliContext context, ResumeArguments args, CancellationToken cancellationToken)
    {
        var (client, code) = await HostOptions.ConnectAsync(context, "resume", args.Host, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            HostResponse response;
            try
            {
                response = await client.PostAsync($"/api/runs/{Uri.EscapeDataString(args.RunId)}/resume", new Dictionary<string, object?>(), cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return HostOptions.Unreachable(context, ex);
            }

            if (response.Status != HttpStatusCode.Accepted)
            {
                return HostOptions.Refused(context, "resume", response);
            }

            var receipt = response.Read<ResumeRecordedDto>();
            var again = receipt?.AlreadyRecorded == true ? " (already recorded)" : string.Empty;
            var calls = receipt?.Calls;
            context.Out.WriteLine($"resume recorded{again}: {receipt?.ResumedBy?.Name ?? "you"} resumed {args.RunId} at step {receipt?.StepId ?? "(unknown)"}");
            context.Out.WriteLine($"  made:          {List(calls?.Made)}");
            context.Out.WriteLine($"  not confirmed: {List(calls?.Failed)} (sent again under the same idempotency key)");
            context.Out.WriteLine($"  not sent:      {List(calls?.NotSent)}");
            context.Out.WriteLine($"the run goes on; its story: agentops timeline {args.RunId}");
            return ExitCodes.Ok;
        }
    }

    private static string List(IReadOnlyList<string>? items) => items is { Count: > 0 } ? string.Join(", ", items) : "(none)";
}
