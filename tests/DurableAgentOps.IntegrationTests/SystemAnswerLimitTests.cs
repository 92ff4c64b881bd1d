using System.Net;
using System.Text;
using DurableAgentOps.Runtime.Connectors;
using DurableAgentOps.Runtime.Shared;

namespace DurableAgentOps.IntegrationTests;

/// <summary>A system's answer becomes part of the run's durable history, so a step refuses one past the limit.</summary>
public sealed class SystemAnswerLimitTests
{
    private static readonly SystemCall Call = new("crm.accounts.read", "crm", HttpMethod.Get, "/crm/accounts/ACC-000001", null, null);

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // chunked: no Content-Length to judge by, the read itself stops at the limit
    public async Task ReadAnswer_OverTheLimit_IsARefusalNamingTheLimit(bool withLength)
    {
        using var response = Answer(SystemClient.MaxAnswerBytes + 10, withLength);
        Assert.Equal(withLength, response.Content.Headers.ContentLength is not null);

        var refused = await Assert.ThrowsAsync<StepRefusedException>(() => SystemClient.ReadAnswerAsync(Call, response, CancellationToken.None));

        Assert.Contains(SystemClient.MaxAnswerBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
        Assert.Contains("the limit", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAnswer_UnderTheLimit_IsParsed()
    {
        using var response = Answer(1000, withLength: false);

        var answer = await SystemClient.ReadAnswerAsync(Call, response, CancellationToken.None);

        Assert.Equal(1000 - """{"notes":""}""".Length, answer!["notes"]!.GetValue<string>().Length);
    }

    private static HttpResponseMessage Answer(int bytes, bool withLength)
    {
        var json = Encoding.UTF8.GetBytes("{\"notes\":\"" + new string('x', bytes - """{"notes":""}""".Length) + "\"}");
        // A pipe's stream cannot seek, so the content has no length unless the test sets one (as a chunked answer).
        var pipe = new System.IO.Pipelines.Pipe();
        _ = Task.Run(async () =>
        {
            await pipe.Writer.WriteAsync(json);
            await pipe.Writer.CompleteAsync();
        });
        var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (withLength)
        {
            content.Headers.ContentLength = json.Length;
        }

        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }
}
