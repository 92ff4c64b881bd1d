using DurableTask.Core;
using Microsoft.DurableTask;

namespace DurableAgentOps.Runtime.Replay;

/// <summary>Why an activity (or the run) failed: the exception type, its message, and the failure that caused it.</summary>
public sealed record RecordedFailure(string Type, string Message, RecordedFailure? Inner = null, bool NonRetriable = false)
{
    internal static RecordedFailure? From(FailureDetails? details) =>
        details is null ? null : new(details.ErrorType, details.ErrorMessage, From(details.InnerFailure), details.IsNonRetriable);

    internal static RecordedFailure From(Exception exception) =>
        new(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.InnerException is { } inner ? From(inner) : null);

    internal TaskFailureDetails ToTaskFailureDetails() => new(Type, Message, null, Inner?.ToTaskFailureDetails(), null);

    internal FailureDetails ToCoreFailureDetails() => new(Type, Message, null, Inner?.ToCoreFailureDetails(), NonRetriable);
}
