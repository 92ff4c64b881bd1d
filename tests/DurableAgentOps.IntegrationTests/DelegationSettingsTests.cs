using System.Text;
using DurableAgentOps.Runtime.Identity;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// <c>AgentOps:Delegation</c> at start (all or nothing, https, a real key), and whom a token acting for a person names:
/// read from its claims, never trusted from the run.
/// </summary>
public sealed class DelegationSettingsTests
{
    private static readonly string GoodKey = Convert.ToBase64String(new byte[32]);

    [Fact]
    public void Validate_NothingSet_HostActsForNobody()
    {
        var options = new DelegationOptions();

        Assert.True(new DelegationOptionsValidator().Validate(null, options).Succeeded);
        Assert.False(options.Enabled);
    }

    [Fact]
    public void Validate_AllSetWell_Enabled()
    {
        var options = new DelegationOptions { Authority = new("https://login.microsoftonline.com/7d3e5c1a-0000-4000-8000-0000000000d0"), ManagedIdentityClientId = Guid.NewGuid().ToString(), CacheKey = GoodKey };

        Assert.True(new DelegationOptionsValidator().Validate(null, options).Succeeded);
        Assert.True(options.Enabled);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7080/tenant", "6f1c0a10-0000-4000-8000-0000000000a2", "good", "Authority must be the sign-in authority's absolute https URL")]
    [InlineData("https://login.example/tenant", "not-a-guid", "good", "ManagedIdentityClientId must be the client id (a GUID)")]
    [InlineData("https://login.example/tenant", "6f1c0a10-0000-4000-8000-0000000000a2", "c2hvcnQ=", "CacheKey must be base64 of exactly 32 bytes")]
    [InlineData(null, null, "good", "Authority must be")]
    public void Validate_PartOrBadlySet_RefusedNamingTheSetting(string? authority, string? managedIdentity, string key, string expected)
    {
        var options = new DelegationOptions
        {
            Authority = authority is null ? null : new Uri(authority),
            ManagedIdentityClientId = managedIdentity,
            CacheKey = key == "good" ? GoodKey : key,
        };

        var result = new DelegationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(GoodKey, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PreviousKeyThatIsNoKey_RefusedNamingIt()
    {
        var options = new DelegationOptions
        {
            Authority = new("https://login.microsoftonline.com/7d3e5c1a-0000-4000-8000-0000000000d0"), ManagedIdentityClientId = Guid.NewGuid().ToString(),
            CacheKey = GoodKey, PreviousCacheKey = "c2hvcnQ=",
        };

        var result = new DelegationOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("AgentOps:Delegation:PreviousCacheKey must be base64 of exactly 32 bytes", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TokenActingForAPerson_NamesSubjectAsPrincipalIdsAndTheActor()
    {
        var token = Jwt("""{"oid":"0E000001-0000-4000-8000-000000000001","tid":"7D3E5C1A-0000-4000-8000-0000000000D0","name":"Alice Martin","azp":"6f1c0a10-0000-4000-8000-0000000000a1","scp":"calls.read"}""");

        var acted = DelegatedTokens.Read(token, "6F1C0A10-0000-4000-8000-0000000000A1"); // client ids compare as GUIDs, any case

        Assert.Equal("7d3e5c1a-0000-4000-8000-0000000000d0/0e000001-0000-4000-8000-000000000001", acted.SubjectId);
        Assert.Equal("Alice Martin", acted.SubjectName);
        Assert.Equal("6f1c0a10-0000-4000-8000-0000000000a1", acted.ActorClientId);
    }

    [Fact]
    public void Read_TokenIssuedToAnotherApp_Refused()
    {
        var token = Jwt("""{"oid":"0e000001-0000-4000-8000-000000000001","tid":"7d3e5c1a-0000-4000-8000-0000000000d0","azp":"6f1c0a10-0000-4000-8000-0000000000ff"}""");

        var refused = Assert.Throws<DurableAgentOps.Runtime.Shared.StepRefusedException>(() => DelegatedTokens.Read(token, "6f1c0a10-0000-4000-8000-0000000000a1"));

        Assert.Contains("was issued to app 6f1c0a10-0000-4000-8000-0000000000ff, not to 6f1c0a10-0000-4000-8000-0000000000a1", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_TokenNamingNoPerson_Refused()
    {
        var token = Jwt("""{"azp":"6f1c0a10-0000-4000-8000-0000000000a1","roles":["calls.read"]}""");

        var refused = Assert.Throws<DurableAgentOps.Runtime.Shared.StepRefusedException>(() => DelegatedTokens.Read(token, "app"));

        Assert.Contains("names no person", refused.Message, StringComparison.Ordinal);
    }

    private static string Jwt(string payload) =>
        $"{B64("""{"alg":"RS256","typ":"JWT"}""")}.{B64(payload)}.c2lnbmF0dXJl";

    private static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
