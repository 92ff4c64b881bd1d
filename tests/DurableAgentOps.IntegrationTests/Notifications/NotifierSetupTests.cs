using DurableAgentOps.Runtime.Notifications;
using Microsoft.Extensions.Options;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary><c>AddApprovalNotifiers</c>: channels on only when configured, every bad setting named, secrets never quoted.</summary>
public sealed class NotifierSetupTests
{
    [Fact]
    public async Task AddApprovalNotifiers_NothingConfigured_BothChannelsAnswerNotConfigured()
    {
        using var host = new NotifierHost(new Dictionary<string, string?>());
        var notice = Notices.Request();

        var email = await host.Email.SendAsync(notice, [Notices.Person("Bob", "bob@contoso.example")], CancellationToken.None);
        var teams = await host.Teams.SendAsync(notice, new Uri("https://agentops.contoso.example/runs/x"), CancellationToken.None);

        Assert.False(host.Email.IsConfigured);
        Assert.False(host.Teams.IsConfigured);
        Assert.Equal(("email", 0, "email is not configured (AgentOps:Email:Host is not set)"), (email.Channel, email.Sent, Assert.Single(email.Failures)));
        Assert.Equal(("teams", 0, "teams is not configured (AgentOps:Teams:WebhookUrl is not set)"), (teams.Channel, teams.Sent, Assert.Single(teams.Failures)));
        Assert.True(email.AllFailed && teams.AllFailed);
        Assert.Equal(2, host.Logs.Entries.Count(e => e.EventId == 203));
    }

    [Fact]
    public void AddApprovalNotifiers_BadEmailSettings_NameEachSettingAndNeverThePassword()
    {
        using var host = new NotifierHost(new Dictionary<string, string?>
        {
            ["AgentOps:Email:Host"] = "smtp.contoso.example",
            ["AgentOps:Email:Port"] = "70000",
            ["AgentOps:Email:Security"] = "None",
            ["AgentOps:Email:From"] = "Approvals <approvals@contoso.example>\r\nBcc: x@y.example",
            ["AgentOps:Email:Password"] = "pw-never-shown",
            ["AgentOps:Email:MaxRetries"] = "50",
        });

        var failed = Assert.Throws<OptionsValidationException>(() => host.Get<IOptions<EmailOptions>>().Value);

        var message = string.Join("\n", failed.Failures);
        foreach (var setting in new[] { "AgentOps:Email:Port", "AgentOps:Email:From must be one plain address", "AgentOps:Email:UserName and AgentOps:Email:Password", "AgentOps:Email:Security None sends", "AgentOps:Email:MaxRetries" })
        {
            Assert.Contains(setting, message, StringComparison.Ordinal);
        }

        Assert.Equal(5, failed.Failures.Count());
        Assert.DoesNotContain("pw-never-shown", message, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddApprovalNotifiers_EmailHostWithoutFrom_IsRefused()
    {
        using var host = new NotifierHost(new Dictionary<string, string?> { ["AgentOps:Email:Host"] = "localhost" });

        var failed = Assert.Throws<OptionsValidationException>(() => host.Get<IOptions<EmailOptions>>().Value);

        Assert.StartsWith("AgentOps:Email:From is required", Assert.Single(failed.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://hooks.contoso.example/workflows/1/triggers/manual/paths/invoke?sig=SECRETSIG", "must use https")]
    [InlineData("not a url ?sig=SECRETSIG", "must be an absolute https URL")]
    [InlineData("https://user:SECRETSIG@hooks.contoso.example/invoke", "must not carry a user name")]
    public void AddApprovalNotifiers_BadWebhookUrl_IsRefusedWithoutQuotingIt(string url, string why)
    {
        using var host = new NotifierHost(new Dictionary<string, string?> { ["AgentOps:Teams:WebhookUrl"] = url });

        var failed = Assert.Throws<OptionsValidationException>(() => host.Get<IOptions<TeamsOptions>>().Value);

        var failure = Assert.Single(failed.Failures);
        Assert.Contains("AgentOps:Teams:WebhookUrl " + why, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRETSIG", failed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("contoso", failed.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://prod-00.westeurope.logic.azure.com/workflows/1/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SECRETSIG")]
    [InlineData("http://127.0.0.1:7090/workflows/1/triggers/manual/paths/invoke?sig=SECRETSIG")]
    [InlineData("http://[::1]:7090/workflows/1/triggers/manual/paths/invoke?sig=SECRETSIG")]
    public void AddApprovalNotifiers_HttpsOrLoopbackWebhook_IsAccepted(string url)
    {
        using var host = new NotifierHost(new Dictionary<string, string?> { ["AgentOps:Teams:WebhookUrl"] = url });

        var options = host.Get<IOptions<TeamsOptions>>().Value;

        Assert.True(host.Teams.IsConfigured);
        Assert.DoesNotContain("SECRETSIG", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void EmailOptions_ToString_HidesThePassword()
    {
        var options = new EmailOptions { Host = "smtp.contoso.example", From = "a@contoso.example", UserName = "agentops", Password = "pw-never-shown" };

        Assert.Equal("AgentOps:Email: smtp.contoso.example:587 (StartTls), from a@contoso.example, user agentops, password (set)", options.ToString());
    }
}
