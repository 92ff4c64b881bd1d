using System.Security.Cryptography;
using System.Text;
using DurableAgentOps.DevServices.Shared;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.DevServices.Identity;

/// <summary>The shared secret of the protocol; compared in constant time and never logged.</summary>
internal sealed class IdentityHeaderSecret
{
    private readonly byte[] value;

    public IdentityHeaderSecret(IOptions<DevServicesOptions> options)
    {
        var configured = options.Value.IdentityHeader;
        var text = string.IsNullOrEmpty(configured) ? Convert.ToHexString(RandomNumberGenerator.GetBytes(32)) : configured;
        value = Encoding.UTF8.GetBytes(text);
        if (options.Value.IdentityHeaderFile is { Length: > 0 } file)
        {
            WriteOwnerOnly(file, text);
        }
    }

    public bool Matches(string candidate) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(candidate), value);

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
