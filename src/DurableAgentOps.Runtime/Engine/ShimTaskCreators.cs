using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;

namespace DurableAgentOps.Runtime.Engine;

/// <summary>
/// Turns SDK orchestrators (<see cref="ITaskOrchestrator"/>) into the Durable Task Framework's
/// <see cref="TaskOrchestration"/> through the SDK's public shim factory; one fresh orchestrator per execution.
/// </summary>
internal sealed class ShimOrchestrationCreator : ObjectCreator<TaskOrchestration>
{
    private readonly DurableTaskShimFactory shims;
    private readonly Func<ITaskOrchestrator> create;

    public ShimOrchestrationCreator(TaskName name, DurableTaskShimFactory shims, Func<ITaskOrchestrator> create)
    {
        Name = name.Name;
        Version = string.Empty;
        this.shims = shims;
        this.create = create;
    }

    public override TaskOrchestration Create() => shims.CreateOrchestration(Name, create());
}

/// <summary>
/// Turns SDK activities into DTFx activities; each execution gets its own DI scope, disposed when it ends,
/// so scoped services (HTTP handlers, table clients) behave as they do in Azure Functions.
/// </summary>
internal sealed class ShimActivityCreator : ObjectCreator<TaskActivity>
{
    private readonly ScopedActivity activity;

    public ShimActivityCreator(TaskName name, DurableTaskShimFactory shims, IServiceScopeFactory scopes, Func<IServiceProvider, ITaskActivity> create)
    {
        Name = name.Name;
        Version = string.Empty;
        activity = new ScopedActivity(name, shims, scopes, create);
    }

    // The scoped wrapper holds no per-execution state, so one instance serves every execution.
    public override TaskActivity Create() => activity;

    private sealed class ScopedActivity(
        TaskName name, DurableTaskShimFactory shims, IServiceScopeFactory scopes, Func<IServiceProvider, ITaskActivity> create)
        : TaskActivity
    {
        public override string Run(TaskContext context, string input) =>
            throw new NotSupportedException("Activities run asynchronously through RunAsync.");

        public override async Task<string> RunAsync(TaskContext context, string input)
        {
            await using var scope = scopes.CreateAsyncScope();
            var shim = shims.CreateActivity(name, create(scope.ServiceProvider));
            return await shim.RunAsync(context, input);
        }
    }
}
