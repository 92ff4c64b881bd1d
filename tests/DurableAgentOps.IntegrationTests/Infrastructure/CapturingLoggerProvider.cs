using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>Keeps every log entry of every category (framework ones included) so a test can read what would reach a log.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. entries];

    /// <summary>All entries as one text: message, state values and exceptions, as a log sink would store them.</summary>
    public string AllText => string.Join("\n", entries.Select(e => e.ToString()));

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? string.Join("; ", pairs.Select(p => $"{p.Key}={p.Value}"))
                : string.Empty;
            entries.Enqueue(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

internal sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, string Values, string? Exception)
{
    public override string ToString() => $"{Category} [{EventId}] {Level}: {Message} | {Values} | {Exception}";
}
