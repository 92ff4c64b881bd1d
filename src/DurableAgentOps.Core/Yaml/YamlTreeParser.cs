using DurableAgentOps.Core.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace DurableAgentOps.Core.Yaml;

/// <summary>
/// Builds a <see cref="YNode"/> tree from YamlDotNet's event parser. The event level keeps every node's Mark,
/// lets duplicate keys become findings instead of exceptions, and refuses anchors/aliases (an alias bomb
/// would otherwise make validation exponential; workflow files never need them).
/// </summary>
internal sealed class YamlTreeParser
{
    private const int MaxDepth = 64;
    private readonly IParser _parser;
    private readonly string _text;
    private readonly string _file;
    private readonly List<Finding> _findings;

    /// <summary>Flow collections ('[' or '{') opened and not yet closed, innermost last: where an unclosed one began.</summary>
    private readonly Stack<Mark> _openFlows = new();

    private YamlTreeParser(string text, string file, List<Finding> findings)
    {
        _parser = new Parser(new StringReader(text));
        _text = text;
        _file = file;
        _findings = findings;
    }

    /// <summary>Parses the first document; returns null (with findings) when there is nothing usable.</summary>
    public static YNode? Parse(string text, string file, List<Finding> findings)
    {
        var parser = new YamlTreeParser(text, file, findings);
        try
        {
            return parser.ParseStream();
        }
        catch (YamlException ex)
        {
            findings.Add(parser.SyntaxError(ex));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a Mark) on some malformed flow collections.
            findings.Add(parser.UnclosedFlow());
            return null;
        }
    }

    private YNode? ParseStream()
    {
        Expect<StreamStart>();
        if (_parser.Current is StreamEnd)
        {
            return null;
        }

        Expect<DocumentStart>();
        var root = ParseNode(0);
        Expect<DocumentEnd>();
        if (_parser.Current is DocumentStart extra)
        {
            Add(Position(extra.Start), FindingCodes.UnsupportedYaml, "only one YAML document per file is read; remove the extra '---' document");
        }

        return root;
    }

    private YNode? ParseNode(int depth)
    {
        var current = _parser.Current ?? throw new YamlException("unexpected end of file");
        if (depth > MaxDepth)
        {
            Add(Position(current.Start), FindingCodes.UnsupportedYaml, $"nesting deeper than {MaxDepth} levels");
            SkipNode();
            return null;
        }

        if (current is NodeEvent { Anchor.IsEmpty: false } anchored)
        {
            Add(Position(anchored.Start), FindingCodes.UnsupportedYaml, "YAML anchors are not supported in workflow files; write the value out");
        }

        switch (current)
        {
            case Scalar scalar:
                Next();
                return new YScalar(Position(scalar.Start), scalar.Value, scalar.Style is ScalarStyle.Plain or ScalarStyle.Any);
            case AnchorAlias alias:
                Next();
                Add(Position(alias.Start), FindingCodes.UnsupportedYaml, "YAML aliases are not supported in workflow files; write the value out");
                return null;
            case SequenceStart sequence:
                return ParseSequence(sequence, depth);
            case MappingStart mapping:
                return ParseMapping(mapping, depth);
            default:
                throw new YamlException(current.Start, current.End, $"unexpected {current.GetType().Name}");
        }
    }

    private YSequence ParseSequence(SequenceStart start, int depth)
    {
        var flow = start.Style == SequenceStyle.Flow;
        if (flow)
        {
            _openFlows.Push(start.Start);
        }

        Next();
        var items = new List<YNode>();
        while (_parser.Current is not SequenceEnd)
        {
            var item = ParseNode(depth + 1);
            if (item is not null)
            {
                items.Add(item);
            }
        }

        Next();
        if (flow)
        {
            _openFlows.Pop();
        }

        return new YSequence(Position(start.Start), items);
    }

    private YMapping ParseMapping(MappingStart start, int depth)
    {
        var flow = start.Style == MappingStyle.Flow;
        if (flow)
        {
            _openFlows.Push(start.Start);
        }

        Next();
        var entries = new List<KeyValuePair<YScalar, YNode>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (_parser.Current is not MappingEnd)
        {
            var keyEvent = _parser.Current ?? throw new YamlException("unexpected end of file");
            var key = ParseNode(depth + 1);
            var value = ParseNode(depth + 1);
            if (key is not YScalar scalarKey)
            {
                if (key is not null)
                {
                    Add(key.Position, FindingCodes.UnsupportedYaml, "mapping keys must be plain text");
                }

                continue;
            }

            if (!seen.Add(scalarKey.Value))
            {
                Add(scalarKey.Position, FindingCodes.DuplicateKey, $"duplicate key '{scalarKey.Value}'");
                continue;
            }

            // "key:" with nothing after it is a null scalar at the key's position.
            entries.Add(new(scalarKey, value ?? new YScalar(Position(keyEvent.Start), string.Empty, IsPlain: true)));
        }

        Next();
        if (flow)
        {
            _openFlows.Pop();
        }

        return new YMapping(Position(start.Start), entries);
    }

    private void SkipNode()
    {
        var depth = 0;
        do
        {
            depth += _parser.Current switch
            {
                SequenceStart or MappingStart => 1,
                SequenceEnd or MappingEnd => -1,
                _ => 0,
            };
            Next();
        }
        while (depth > 0);
    }

    private void Expect<T>()
        where T : ParsingEvent
    {
        if (_parser.Current is null)
        {
            Next();
        }

        if (_parser.Current is not T)
        {
            var at = _parser.Current;
            throw at is null
                ? new YamlException($"expected {typeof(T).Name}")
                : new YamlException(at.Start, at.End, $"expected {typeof(T).Name}, found {at.GetType().Name}");
        }

        Next();
    }

    private void Next() => _parser.MoveNext();

    private void Add(SourcePosition position, string code, string message) =>
        _findings.Add(new Finding(_file, position.Line, position.Column, Severity.Error, code, message));

    private static SourcePosition Position(Mark mark) =>
        new(Math.Max(1, (int)Math.Min(mark.Line, int.MaxValue)), Math.Max(1, (int)Math.Min(mark.Column, int.MaxValue)));

    /// <summary>
    /// A YamlDotNet error as a finding at the fault itself. Its Mark is often where the scanner started the construct
    /// (for a tab used as indentation, the start of the enclosing mapping: line 1), so a tab is looked for from there on.
    /// </summary>
    private Finding SyntaxError(YamlException ex)
    {
        var reason = Clean(ex.Message);
        var at = Position(ex.Start);
        if (reason.Contains("tab", StringComparison.OrdinalIgnoreCase))
        {
            // Every event produced so far ends before the fault: the scanner reads in order and failed at the tab.
            var from = Math.Max(Index(ex.Start), _parser.Current is { } last ? Index(last.End) : 0);
            if (FindTab(from) is { } tab)
            {
                return Syntax(PositionOf(tab), "a tab is used for indentation; YAML indents with spaces only");
            }
        }
        else if (QuotedRunOn() is { } quoted)
        {
            // A quote left open is closed by the next quote character (an apostrophe further down, say): the error
            // surfaces there, but the fault is where the quote was opened.
            return Syntax(Position(quoted.Start), $"the quote opened here is not closed on its line (it runs on to line {Position(quoted.End).Line})");
        }
        else if (reason.Contains("did not find expected", StringComparison.Ordinal))
        {
            reason = "this line does not line up with the lines above it (check its indentation)";
        }
        else if (reason.Contains("found invalid mapping", StringComparison.Ordinal))
        {
            reason = "'key: value' is not allowed here (check the indentation, or quote a value that holds ': ')";
        }
        else if (reason.Contains("quoted scalar", StringComparison.Ordinal) && !reason.Contains("escape", StringComparison.Ordinal))
        {
            reason = "the quote opened here is not closed";
        }

        return Syntax(at, reason);
    }

    /// <summary>The last event read, when it is a quoted value spanning lines: the likely cause of an error just after it.</summary>
    private Scalar? QuotedRunOn() =>
        _parser.Current is Scalar { Style: ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted } scalar && scalar.End.Line > scalar.Start.Line ? scalar : null;

    /// <summary>The flow collection left open (innermost), else the first bracket after the last good event.</summary>
    private Finding UnclosedFlow()
    {
        if (_openFlows.TryPeek(out var open))
        {
            return Syntax(Position(open), $"the '{Bracket(Index(open))}' opened here is not closed (check brackets and quotes)");
        }

        var from = _parser.Current is { } last ? Index(last.Start) : 0;
        var bracket = _text.IndexOfAny(['[', '{'], Math.Min(from, _text.Length));
        return bracket >= 0
            ? Syntax(PositionOf(bracket), $"the '{_text[bracket]}' opened here is not closed (check brackets and quotes)")
            : Syntax(_parser.Current is { } current ? Position(current.Start) : SourcePosition.Start, "malformed YAML after this point (check brackets and quotes)");
    }

    private string Bracket(int index) => index < _text.Length && _text[index] is '[' or '{' ? _text[index].ToString() : "[";

    /// <summary>The first tab at or after <paramref name="from"/> that indents a line (only blanks before it), else the first tab.</summary>
    private int? FindTab(int from)
    {
        int? first = null;
        for (var i = Math.Min(from, _text.Length); i < _text.Length; i++)
        {
            if (_text[i] != '\t')
            {
                continue;
            }

            first ??= i;
            var lineStart = _text.LastIndexOf('\n', Math.Max(0, i - 1)) + 1;
            if (i == 0 || _text.AsSpan(lineStart, i - lineStart).Trim(" \t").IsEmpty)
            {
                return i;
            }
        }

        return first;
    }

    /// <summary>1-based line and column of a character index of the text (a "\r\n" counts as one line break).</summary>
    private SourcePosition PositionOf(int index)
    {
        var before = _text.AsSpan(0, Math.Min(index, _text.Length));
        var lineStart = before.LastIndexOf('\n') + 1;
        return new SourcePosition(before.Count('\n') + 1, index - lineStart + 1);
    }

    private Finding Syntax(SourcePosition at, string reason) =>
        new(_file, at.Line, at.Column, Severity.Error, FindingCodes.YamlSyntax, $"YAML syntax error: {reason}");

    private static int Index(Mark mark) => (int)Math.Clamp(mark.Index, 0, int.MaxValue);

    /// <summary>YamlDotNet prefixes messages with "(Line: .., Col: ..)"; the finding already says where.</summary>
    private static string Clean(string message)
    {
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        var text = message.StartsWith("(Line", StringComparison.Ordinal) && close > 0 ? message[(close + 3)..] : message;
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..].TrimEnd('.') : text;
    }
}
