using System.Net;
using DurableAgentOps.Cli.HostApi;

namespace DurableAgentOps.Cli.Tests;

public sealed class HostIdentityTests
{
    private const string Settings = """{"environment":"Production","development":false,"identitiesEnvironment":"azure","scopeGuard":true,"evidence":true,"governanceOff":[]}""";

    private const string Problem = """{"type":"about:blank","title":"Sign-in required.","status":401,"detail":"no token"}""";

    [Theory]
    [InlineData(200, "application/json", Settings)]
    [InlineData(401, "application/problem+json", Problem)]
    [InlineData(403, "application/problem+json", Problem)]
    [InlineData(429, "application/problem+json", Problem)]
    [InlineData(503, "application/problem+json", Problem)]
    public void NotAHost_AnswerADurableAgentOpsHostGives_IsTakenForOne(int status, string mediaType, string body) =>
        Assert.Null(HostIdentity.NotAHost(new HostResponse((HttpStatusCode)status, body, mediaType)));

    [Theory]
    [InlineData(200, "text/html", "<html></html>", "GET /api/host answered 200 text/html")]
    [InlineData(200, "application/json", """{"status":"healthy"}""", "GET /api/host answered 200 application/json")]
    [InlineData(200, "application/json", """{"scopeGuard":true}""", "GET /api/host answered 200 application/json")]
    [InlineData(404, "application/problem+json", Problem, "GET /api/host answered 404 application/problem+json")]
    [InlineData(401, "text/html", "<html>login</html>", "GET /api/host answered 401 text/html; a proxy or the platform may be answering for a host that is stopped or restricted")]
    [InlineData(502, null, "", "GET /api/host answered 502 with no content type; a proxy or the platform may be answering for a host that is stopped or restricted")]
    public void NotAHost_AnyOtherAnswer_SaysWhatItWas(int status, string? mediaType, string body, string expected) =>
        Assert.Equal(expected, HostIdentity.NotAHost(new HostResponse((HttpStatusCode)status, body, mediaType)));
}
