using System.Text;
using System.Text.Json;

namespace DurableAgentOps.Cli.SignIn;

/// <summary>
/// How the CLI signed in, kept in <c>$AGENTOPS_HOME/login.json</c> (default <c>~/.agentops</c>), readable by its owner
/// only. <see cref="AccessToken"/> is a secret: it is sent to the host and never printed. For <c>azure-cli</c> no
/// token is kept; each command asks the Azure CLI.
/// </summary>
internal sealed record StoredLogin(
    string Method,
    string Authority,
    string ClientId,
    string Scope,
    string? AccessToken,
    DateTimeOffset? ExpiresOn,
    string? Name,
    string? Upn)
{
    public const string HomeVariable = "AGENTOPS_HOME";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string Who => Upn is null || Upn == Name ? Name ?? "(unknown)" : $"{Name} <{Upn}>";

    public static string Folder => Environment.GetEnvironmentVariable(HomeVariable) is { Length: > 0 } home
        ? home
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".agentops");

    public static string FilePath => Path.Combine(Folder, "login.json");

    /// <summary>The stored login, or null when there is none; a damaged file reads as none (login again fixes it).</summary>
    public static StoredLogin? Load()
    {
        try
        {
            return File.Exists(FilePath) ? JsonSerializer.Deserialize<StoredLogin>(File.ReadAllText(FilePath), Json) : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public void Save()
    {
        Directory.CreateDirectory(Folder);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        // Written to a new file first, so a crash never leaves half a login.
        var temporary = FilePath + ".tmp";
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, Json)));
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, FilePath, overwrite: true);
    }

    public static bool Delete()
    {
        if (!File.Exists(FilePath))
        {
            return false;
        }

        File.Delete(FilePath);
        return true;
    }
}
