namespace DurableAgentOps.Core.Diagnostics;

/// <summary>1-based line and column of a YAML node.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition Start { get; } = new(1, 1);
}

/// <summary>
/// Positions of every node of one file, by JSON-pointer path (e.g. /steps/2/scope/operations/0).
/// Kept apart from the model so the model stays plain data (snapshots must not change when a comment moves),
/// and so a finding about any path falls back to its nearest parent: every finding gets a real line.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, SourcePosition> _positions = new(StringComparer.Ordinal);

    public SourceMap(string file) => File = file;

    public string File { get; }

    internal void Add(string path, SourcePosition position) => _positions.TryAdd(path, position);

    public bool Contains(string path) => _positions.ContainsKey(path);

    public SourcePosition Find(string path)
    {
        var current = path;
        while (true)
        {
            if (_positions.TryGetValue(current, out var position))
            {
                return position;
            }

            var slash = current.LastIndexOf('/');
            if (slash <= 0)
            {
                return _positions.TryGetValue(string.Empty, out var root) ? root : SourcePosition.Start;
            }

            current = current[..slash];
        }
    }

    public Finding At(string path, Severity severity, string code, string message)
    {
        var position = Find(path);
        return new Finding(File, position.Line, position.Column, severity, code, message);
    }

    public Finding Error(string path, string code, string message) => At(path, Severity.Error, code, message);

    public Finding Warning(string path, string code, string message) => At(path, Severity.Warning, code, message);

    /// <summary>Escapes one segment per RFC 6901 so ids with '/' cannot break a path.</summary>
    public static string Segment(string name) => name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
