using System.CommandLine;
using DurableAgentOps.Cli.Evidence;
using DurableAgentOps.Cli.HostApi;
using DurableAgentOps.Core.Evidence;

namespace DurableAgentOps.Cli.Commands;

/// <summary>
/// agentops evidence head: the log's current signed tree head, checked with the key and printed (or saved) for an
/// investigator to keep; <c>agentops verify --all --against</c> later proves the log only grew since. Exit 0, 1 when the
/// host's head does not verify, 2 bad usage or an unwritable file, 3 unreachable, 4 sign-in, 5 not allowed.
/// </summary>
internal sealed class EvidenceCommand : ICliCommand
{
    public Command Create(CliContext context)
    {
        var output = new Option<string?>("--out", "-o") { HelpName = "file", Description = "Write the head to this file (kept as is; default: print it)." };
        var force = new Option<bool>("--force") { Description = "Replace the file if it exists." };
        var key = new Option<string?>("--public-key")
        {
            HelpName = "pem-file",
            Description = "The evidence public key you trust (PEM). Without it the key the host names is used, and its id printed to compare.",
        };
        var host = HostOptions.Host();
        var head = new Command("head",
            "Print the log's current signed tree head (size, root, time, signature, key id) for you to keep; later, 'agentops verify --all --against <file>' "
            + "checks with an RFC 9162 consistency proof that the log still holds it, and names a rollback or a deleted run.")
        {
            output, force, key, host,
        };
        head.SetAction((result, cancellationToken) =>
            HeadAsync(context, result.GetValue(output), result.GetValue(force), result.GetValue(key), result.GetValue(host), cancellationToken));
        return new Command("evidence", "Keep evidence outside the host: 'evidence head' exports the current signed tree head.") { head };
    }

    internal static async Task<int> HeadAsync(CliContext context, string? output, bool force, string? keyPath, string? hostOption, CancellationToken cancellationToken)
    {
        var path = output is null ? null : Path.GetFullPath(output);
        if (path is not null && File.Exists(path) && !force)
        {
            context.Error.WriteLine($"agentops evidence head: {path} exists; pass --force to replace it");
            return ExitCodes.Usage;
        }

        EvidencePublicKey? trusted = null;
        if (keyPath is not null && (trusted = EvidenceDownload.ReadKey(keyPath, out var keyProblem)) is null)
        {
            context.Error.WriteLine($"agentops evidence head: --public-key: {keyProblem}");
            return ExitCodes.Usage;
        }

        var (client, code) = await HostOptions.ConnectAsync(context, "evidence head", hostOption, cancellationToken);
        if (client is null)
        {
            return code;
        }

        using (client)
        {
            DownloadedHead? downloaded;
            HostResponse response;
            try
            {
                (downloaded, response) = await DownloadedHead.GetAsync(client, null, false, cancellationToken);
            }
            catch (HostUnreachableException ex)
            {
                return HostOptions.Unreachable(context, ex);
            }

            if (downloaded is null)
            {
                return response.IsSuccess ? Fail(context, "the host's answer is not a signed tree head") : HostOptions.Refused(context, "evidence head", response);
            }

            if (downloaded.Current is not { } current)
            {
                return Fail(context, "the evidence log has no signed tree head yet (no run has been logged)");
            }

            // Kept only if it verifies: a head that does not is worth nothing later.
            var key = trusted ?? downloaded.HostKey;
            if (!key.Verify(current.Head, current.Signature))
            {
                return Fail(context, $"the host's signed tree head does not verify with key {key.KeyId}; not keeping it");
            }

            var kept = current with { KeyId = key.KeyId };
            var summary = $"signed tree head: {kept.Head.Size} leaves, root {kept.Head.Root}, signed {EvidenceTime(kept.Head.At)} by key {key.KeyId}"
                + (trusted is null ? " (as the host names it; pass --public-key to check against your own copy)" : " (your key)");
            if (path is null)
            {
                context.Out.Write(kept.ToJson());
                context.Error.WriteLine(summary);
                return ExitCodes.Ok;
            }

            try
            {
                await File.WriteAllTextAsync(path, kept.ToJson(), new System.Text.UTF8Encoding(false), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                context.Error.WriteLine($"agentops evidence head: cannot write {path}: {ex.Message}");
                return ExitCodes.Usage;
            }

            context.Out.WriteLine($"wrote {path}: {summary}");
            context.Out.WriteLine($"keep it where the host's operators cannot change it; later: agentops verify --all --against {Path.GetFileName(path)}");
            return ExitCodes.Ok;
        }
    }

    private static string EvidenceTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static int Fail(CliContext context, string message)
    {
        context.Error.WriteLine($"agentops evidence head: {message}");
        return ExitCodes.Failed;
    }
}
