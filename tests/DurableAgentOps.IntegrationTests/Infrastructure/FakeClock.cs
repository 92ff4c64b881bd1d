using Microsoft.Extensions.Time.Testing;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// Lets a fake clock's time pass while real I/O runs: the clock moves <c>step</c> every 10 ms of real time until the
/// work ends, so timeouts and waits of minutes take a second or two. Keep the step small enough that a healthy local
/// answer (a few ms, a slow one 100 ms) never looks like a timed-out one.
/// </summary>
internal static class FakeClock
{
    public static async Task<T> RunAsync<T>(FakeTimeProvider clock, TimeSpan step, Func<Task<T>> work)
    {
        var task = work();
        for (var i = 0; !task.IsCompleted && i < 60_000; i++)
        {
            await Task.WhenAny(task, Task.Delay(10));
            clock.Advance(step);
        }

        return await task;
    }
}
