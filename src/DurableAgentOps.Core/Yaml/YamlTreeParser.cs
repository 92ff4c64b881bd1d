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
    private readonly string _file;
    private readonly List<Finding> _findings;
    private SourcePosition _lastPosition = SourcePosition.Start;

    private YamlTreeParser(string text, string file, List<Finding> findings)
    {
        _parser = new Parser(new StringReader(text));
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
            var line = Math.Max(1, (int)Math.Min(ex.Start.Line, int.MaxValue));
            var column = Math.Max(1, (int)Math.Min(ex.Start.Column, int.MaxValue));
            findings.Add(new Finding(file, line, column, Severity.Error, FindingCodes.YamlSyntax, $"YAML syntax error: {Clean(ex.Message)}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner throws this (without a Mark) on some malformed flow collections; the last event
            // it produced is the best position there is.
            var at = parser._lastPosition;
            findings.Add(new Finding(file, at.Line, at.Column, Severity.Error, FindingCodes.YamlSyntax, "YAML syntax error: malformed YAML after this point (check brackets and quotes)"));
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
        return new YSequence(Position(start.Start), items);
    }

    private YMapping ParseMapping(MappingStart start, int depth)
    {
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

    private void Next()
    {
        if (_parser.Current is { } current)
        {
            _lastPosition = Position(current.End);
        }

        _parser.MoveNext();
    }

    private void Add(SourcePosition position, string code, string message) =>
        _findings.Add(new Finding(_file, position.Line, position.Column, Severity.Error, code, message));

    private static SourcePosition Position(Mark mark) =>
        new(Math.Max(1, (int)Math.Min(mark.Line, int.MaxValue)), Math.Max(1, (int)Math.Min(mark.Column, int.MaxValue)));

    /// <summary>YamlDotNet prefixes messages with "(Line: .., Col: ..)"; the finding already says where.</summary>
    private static string Clean(string message)
    {
        var close = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line", StringComparison.Ordinal) && close > 0 ? message[(close + 3)..] : message;
    }
}
