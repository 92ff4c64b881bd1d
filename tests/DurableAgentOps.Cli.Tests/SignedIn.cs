using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using DurableAgentOps.Cli.SignIn;

namespace DurableAgentOps.Cli.Tests;

/// <summary>
/// A stored sign-in for the CLI tests: the whole test process uses its own AGENTOPS_HOME holding a login as Alice (the
/// fake host does not verify tokens; the integration tests sign in for real against the dev provider). Tests that need
/// another state run the executable with their own home.
/// </summary>
internal static class SignedIn
{
    public static readonly string Token = FakeToken("Alice Martin", "alice@contoso.example", DateTimeOffset.UtcNow.AddHours(1));

    private static readonly string ProcessHome = Directory.CreateTempSubdirectory("agentops-cli-home-").FullName;

    [ModuleInitializer]
    internal static void UseTestHome()
    {
        Environment.SetEnvironmentVariable(StoredLogin.HomeVariable, ProcessHome);
        Write(ProcessHome, Token, DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>A home with no login in it.</summary>
    public static TempHome EmptyHome() => new(Directory.CreateTempSubdirectory("agentops-cli-home-").FullName);

    /// <summary>A home with a login as Alice that expires at <paramref name="expiresOn"/>.</summary>
    public static TempHome Home(DateTimeOffset expiresOn)
    {
        var home = EmptyHome();
        Write(home.Path, FakeToken("Alice Martin", "alice@contoso.example", expiresOn), expiresOn);
        return home;
    }

    /// <summary>A JWT-shaped token (unsigned; only the CLI's display reads it).</summary>
    public static string FakeToken(string name, string upn, DateTimeOffset expires)
    {
        static string Part(object value) => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(value)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return $"{Part(new { alg = "none", typ = "JWT" })}.{Part(new Dictionary<string, object> { ["name"] = name, ["preferred_username"] = upn, ["aud"] = "api://durableagentops", ["exp"] = expires.ToUnixTimeSeconds() })}.sig";
    }

    private static void Write(string home, string token, DateTimeOffset expiresOn)
    {
        var login = new StoredLogin("dev", SignInSettings.DefaultAuthority, SignInSettings.DefaultClientId, SignInSettings.DefaultScope, token, expiresOn,
            "Alice Martin", "alice@contoso.example");
        File.WriteAllText(Path.Combine(home, "login.json"), JsonSerializer.Serialize(login, new JsonSerializerOptions(JsonSerializerDefaults.Web)), Encoding.UTF8);
    }
}

/// <summary>A scratch AGENTOPS_HOME, deleted on dispose.</summary>
internal sealed class TempHome(string path) : IDisposable
{
    public string Path { get; } = path;

    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { [StoredLogin.HomeVariable] = Path };

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
