using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableAgentOps.DevServices.Tests.Infrastructure;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>Writes with an Idempotency-Key happen once, however often and however concurrently they are sent.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class IdempotentWriteTests(DevServicesFixture services)
{
    private const string Tasks = "/crm/accounts/ACC-000001/tasks";

    [Fact]
    public async Task CreateTask_SameKeyTwice_StoresOneTaskAndReplaysTheFirstReply()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var task = new { subject = Unique("Send EU data-residency statement"), body = "Attach the DPA.", dueDate = "2026-12-04", ownerId = "anna.weber@contoso.example" };
        var key = Guid.NewGuid().ToString();

        using var first = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, key);
        using var second = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.False(first.Headers.Contains("Idempotency-Replayed"));
        Assert.Equal(["true"], second.Headers.GetValues("Idempotency-Replayed"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(1, await CountTasksAsync(task.subject));
    }

    [Fact]
    public async Task CreateTask_ConnectionDroppedAfterCommit_RetryWithSameKeyReturnsTheCommittedTask()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var task = new { subject = Unique("Propose volume discount"), body = "10% on 400 seats." };
        var key = Guid.NewGuid().ToString();
        await services.InjectFaultAsync(new { path = Tasks, mode = "drop-after-commit", count = 1 });

        // A new connection: HttpClient silently re-sends a request that failed on a reused one.
        using (var fresh = new HttpClient { BaseAddress = services.Host.BaseUrl })
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => services.SendAsync(HttpMethod.Post, Tasks, writer, task, key, fresh));
        }

        using var retry = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, key);

        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(["true"], retry.Headers.GetValues("Idempotency-Replayed"));
        var committed = await retry.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(task.subject, committed.GetProperty("subject").GetString());
        Assert.Equal(1, await CountTasksAsync(task.subject));

        // The aborted request may be logged just after its retry: compare without order.
        var log = (await services.RequestLogAsync(Tasks)).Where(e => e.GetProperty("method").GetString() == "POST").TakeLast(2).Select(e => (e.GetProperty("status").GetInt32(), e.GetProperty("reason").GetString())).Order().ToList();
        Assert.Equal(
            [
                (0, "committed; connection dropped before the response (fault injected: drop-after-commit)"),
                (201, "replayed the reply stored for this Idempotency-Key"),
            ],
            log);
    }

    [Fact]
    public async Task CreateTask_SameKeySentConcurrently_CommitsOnceAndEveryReplyNamesThatTask()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var task = new { subject = Unique("Book IT workshop") };
        var key = Guid.NewGuid().ToString();

        var replies = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            using var response = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, key);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        }));

        Assert.Single(replies.Distinct());
        Assert.Equal(1, await CountTasksAsync(task.subject));
    }

    [Fact]
    public async Task CreateTask_SameKeyDifferentBody_Returns422AndWritesNothing()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var key = Guid.NewGuid().ToString();
        var first = new { subject = Unique("Original") };
        var changed = new { subject = Unique("Changed") };

        (await services.SendAsync(HttpMethod.Post, Tasks, writer, first, key)).Dispose();
        using var reused = await services.SendAsync(HttpMethod.Post, Tasks, writer, changed, key);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal(0, await CountTasksAsync(changed.subject));
    }

    [Fact]
    public async Task CreateTask_WithoutIdempotencyKey_Returns400()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var task = new { subject = Unique("No key") };

        using var response = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, idempotencyKey: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Idempotency-Key", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountTasksAsync(task.subject));
    }

    [Fact]
    public async Task CreateTaskAndNote_SameKey_AreTwoSeparateWrites()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var key = Guid.NewGuid().ToString();

        using var task = await services.SendAsync(HttpMethod.Post, Tasks, writer, new { subject = Unique("Task") }, key);
        using var note = await services.SendAsync(HttpMethod.Post, "/crm/accounts/ACC-000001/notes", writer, new { subject = Unique("Note") }, key);

        Assert.Equal(HttpStatusCode.Created, task.StatusCode);
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        Assert.False(note.Headers.Contains("Idempotency-Replayed"));
        Assert.StartsWith("NOTE-", (await note.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTask_TransientFaultBeforeCommit_Returns503ThenRetrySucceedsOnce()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        var task = new { subject = Unique("After a 503"), dueDate = (string?)null };
        var key = Guid.NewGuid().ToString();
        await services.InjectFaultAsync(new { path = Tasks, mode = "fail-before-commit" });

        using var failed = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, key);
        var countAfterFailure = await CountTasksAsync(task.subject);
        using var retry = await services.SendAsync(HttpMethod.Post, Tasks, writer, task, key);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal(0, countAfterFailure);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(retry.Headers.Contains("Idempotency-Replayed"));
        Assert.Equal(1, await CountTasksAsync(task.subject));
    }

    [Fact]
    public async Task CreateTask_FaultWithRetryAfter_AnswerCarriesRetryAfterHeader()
    {
        var writer = await services.TokenAsync("crm-writer", "crm");
        await services.InjectFaultAsync(new { path = Tasks, mode = "fail-before-commit", status = 429, retryAfter = 7 });

        using var failed = await services.SendAsync(HttpMethod.Post, Tasks, writer, new { subject = Unique("Throttled") }, Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.TooManyRequests, failed.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), failed.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData("explode", 1, null, "mode must be")]
    [InlineData("fail-before-commit", 0, null, "count must be")]
    [InlineData("fail-before-commit", 1, 0, "retryAfter must be")]
    [InlineData("drop-after-commit", 1, 5, "retryAfter must be")]
    public async Task Faults_BadRule_Returns400NamingTheFieldAndIsNotAdded(string mode, int count, int? retryAfter, string problem)
    {
        using var response = await services.Http.PostAsJsonAsync("/_dev/faults", new { path = Tasks, mode, count, retryAfter });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(problem, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var rules = await services.Http.GetFromJsonAsync<JsonElement>("/_dev/faults");
        Assert.DoesNotContain(rules.EnumerateArray(), r => r.GetProperty("mode").GetString() == mode && r.GetProperty("count").GetInt32() == count);
    }

    private async Task<int> CountTasksAsync(string subject)
    {
        var reader = await services.TokenAsync("crm-reader", "crm");
        using var response = await services.SendAsync(HttpMethod.Get, Tasks, reader);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Count(t => t.GetProperty("subject").GetString() == subject);
    }

    private static string Unique(string subject) => $"{subject} [{Guid.NewGuid():N}]";
}
