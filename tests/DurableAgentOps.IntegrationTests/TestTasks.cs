using Microsoft.DurableTask;

namespace DurableAgentOps.IntegrationTests;

/// <summary>Orchestrations and activities that exercise one engine feature each.</summary>
internal static class TestTasks
{
    public static void Register(DurableTaskRegistry tasks) => tasks
        .AddOrchestratorFunc<string, string>("Echo", (_, input) => Task.FromResult($"echo:{input}"))
        .AddOrchestratorFunc<string?, string>("WaitForGo", async (context, _) =>
        {
            context.SetCustomStatus("waiting");
            var payload = await context.WaitForExternalEvent<string>("go");
            return $"got:{payload}";
        })
        .AddOrchestratorFunc<int, string>("WaitWithTimeout", async (context, timeoutMs) =>
        {
            try
            {
                return "event:" + await context.WaitForExternalEvent<string>("decision", TimeSpan.FromMilliseconds(timeoutMs));
            }
            catch (TaskCanceledException)
            {
                return "timed-out";
            }
        })
        .AddOrchestratorFunc<int, string>("Timer", async (context, delayMs) =>
        {
            var start = context.CurrentUtcDateTime;
            await context.CreateTimer(TimeSpan.FromMilliseconds(delayMs), CancellationToken.None);
            return $"{(context.CurrentUtcDateTime - start).TotalMilliseconds:0}";
        })
        .AddOrchestratorFunc<string, int>("RetryFlaky", (context, key) =>
            context.CallActivityAsync<int>("Flaky", key, TaskOptions.FromRetryPolicy(new RetryPolicy(4, TimeSpan.FromMilliseconds(50)))))
        .AddOrchestratorFunc<string, int>("RetryFlakyJudged", (context, key) =>
            context.CallActivityAsync<int>("Flaky", key, TaskOptions.FromRetryPolicy(new RetryPolicy(4, TimeSpan.FromMilliseconds(50))
            {
                // As governed steps judge failures: a transient cause retries, a refusal would not.
                HandleFailure = failure => failure.IsCausedBy<InvalidOperationException>(),
            })))
        .AddOrchestratorFunc<string, int>("NoRetryFlaky", (context, key) => context.CallActivityAsync<int>("Flaky", key))
        .AddActivityFunc<string, int>("Flaky", (_, key) =>
        {
            // Fails on the first two attempts for a key, then reports the attempt that succeeded.
            var attempt = FlakyAttempts.AddOrUpdate(key, 1, (_, n) => n + 1);
            return attempt <= 2 ? throw new InvalidOperationException($"transient failure {attempt}") : attempt;
        })
        .AddOrchestratorFunc<string, string>("Parent", async (context, input) =>
        {
            var child = await context.CallSubOrchestratorAsync<string>("Echo", input);
            return $"parent({child})";
        })
        .AddOrchestratorFunc<int, int>("CountTo3", (context, n) =>
        {
            if (n < 3)
            {
                context.ContinueAsNew(n + 1);
            }

            return Task.FromResult(n);
        });

    public static System.Collections.Concurrent.ConcurrentDictionary<string, int> FlakyAttempts { get; } = new();
}
