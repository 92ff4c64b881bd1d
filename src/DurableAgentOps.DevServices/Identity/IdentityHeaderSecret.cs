using System.Security.Cryptography;
using System.Text;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>Which app a caller of the identity endpoint is, as its IDENTITY_HEADER says.</summary>
internal enum CallingApp
{
    Unknown,
    Main,
    Writer,
}

/// <summary>
/// The shared secrets of the protocol, one per app (the main app's, and the writer's when one is configured); compared
/// in constant time and never logged.
/// </summary>
internal sealed class IdentityHeaderSecret
{
    private readonly byte[] value;
    private readonly byte[]? writer;

    public IdentityHeaderSecret(IOptions<DevServicesOptions> options)
    {
        var configured = options.Value.IdentityHeader;
        var text = string.IsNullOrEmpty(configured) ? Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) : configured;
        value = Encoding.UTF8.GetBytes(text);
        writer = options.Value.WriterIdentityHeader is { Length: > 0 } w ? Encoding.UTF8.GetBytes(w) : null;
        if (options.Value.IdentityHeaderFile is { Length: > 0 } file)
        {
            WriteOwnerOnly(file, text);
        }
    }

    /// <summary>Whether apps hold their own identities (a writer is configured), rather than one app holding them all.</summary>
    public bool PerApp => writer is not null;

    public bool Matches(string candidate) => AppOf(candidate) != CallingApp.Unknown;

    public CallingApp AppOf(string candidate)
    {
        var bytes = Encoding.UTF8.GetBytes(candidate);
        return CryptographicOperations.FixedTimeEquals(bytes, value) ? CallingApp.Main
            : writer is not null && CryptographicOperations.FixedTimeEquals(bytes, writer) ? CallingApp.Writer
            : CallingApp.Unknown;
    }

    private static void WriteOwnerOnly(string file, string text)
    {
        var full = Path.GetFullPath(file);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var streamOptions = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            streamOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(full, streamOptions);
        stream.Write(Encoding.UTF8.GetBytes(text));
    }
}
