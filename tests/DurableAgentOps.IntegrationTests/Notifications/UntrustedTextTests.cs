using DurableAgentOps.Runtime.Notifications;

namespace DurableAgentOps.IntegrationTests.Notifications;

/// <summary>What a plain-text mail does with untrusted text: addresses and shares a client would link are bracketed, the rest is left as typed.</summary>
public sealed class UntrustedTextTests
{
    [Theory]
    [InlineData("see https://evil.example/p", "see https[:]//evil[.]example/p")]
    [InlineData("get it at pay-now.zip today", "get it at pay-now[.]zip today")]
    [InlineData("log in at sso.support", "log in at sso[.]support")]
    [InlineData(@"open \\fileserver\share\q4", @"open [\\]fileserver\share\q4")]
    [InlineData("write to ana@evil.example", "write to ana[@]evil[.]example")]
    public void Defang_AddressesAndSharesAClientWouldLink_AreBracketed(string typed, string expected) =>
        Assert.Equal(expected, UntrustedText.Defang(typed));

    [Theory]
    [InlineData("at 10:30 about 1,250.00")]
    [InlineData("crm.tasks.create on account.tier")]
    [InlineData("version 2.4 of the plan")]
    public void Defang_TimesAmountsAndDottedNames_AreLeftAsTyped(string typed) =>
        Assert.Equal(typed, UntrustedText.Defang(typed));
}
