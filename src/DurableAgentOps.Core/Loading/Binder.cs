using System.Globalization;
using DurableAgentOps.Core.Diagnostics;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Yaml;

namespace DurableAgentOps.Core.Loading;

/// <summary>Shared plumbing for turning a <see cref="YNode"/> tree into model records, with findings instead of exceptions.</summary>
internal sealed class Binder
{
    public Binder(SourceMap map, List<Finding> findings)
    {
        Map = map;
        Findings = findings;
    }

    public SourceMap Map { get; }

    public List<Finding> Findings { get; }

    /// <summary>Records the position of every node under <paramref name="path"/>.</summary>
    public void Index(YNode node, string path)
    {
        Map.Add(path, node.Position);
        switch (node)
        {
            case YMapping mapping:
                foreach (var (key, value) in mapping.Entries)
                {
                    // A nested block starts on the line after its key; findings about it read better on the key.
                    var childPath = $"{path}/{SourceMap.Segment(key.Value)}";
                    if (value is not YScalar)
                    {
                        Map.Add(childPath, key.Position);
                    }

                    Index(value, childPath);
                }

                break;
            case YSequence sequence:
                for (var i = 0; i < sequence.Items.Count; i++)
                {
                    Index(sequence.Items[i], $"{path}/{i}");
                }

                break;
        }
    }

    public void Error(SourcePosition at, string code, string message) =>
        Findings.Add(new Finding(Map.File, at.Line, at.Column, Severity.Error, code, message));

    /// <summary>Reports <paramref name="name"/> when it is not a valid name; <paramref name="what"/> begins the message.</summary>
    public void CheckName(string name, string what, SourcePosition at)
    {
        if (!Names.IsValid(name))
        {
            Error(at, FindingCodes.InvalidValue, $"{what} must start with a letter and use letters, digits, '-' or '_'");
        }
    }

    public MappingReader? Mapping(YNode? node, string path, string what)
    {
        if (node is YMapping mapping)
        {
            return new MappingReader(this, mapping, path, what);
        }

        if (node is not null)
        {
            Error(node.Position, FindingCodes.WrongType, $"{what} must be a mapping, found {node.Describe}");
        }

        return null;
    }

    public string? Text(YNode node, string what)
    {
        if (node is YScalar { IsNull: false } scalar)
        {
            return scalar.Value;
        }

        Error(node.Position, FindingCodes.WrongType, $"{what} must be text, found {node.Describe}");
        return null;
    }

    /// <summary>A list of text values; a single scalar is accepted as a one-item list.</summary>
    public IReadOnlyList<string> TextList(YNode node, string what)
    {
        switch (node)
        {
            case YScalar { IsNull: true }:
                return [];
            case YScalar scalar:
                return [scalar.Value];
            case YSequence sequence:
                var list = new List<string>();
                foreach (var item in sequence.Items)
                {
                    if (Text(item, $"each item of {what}") is { } text)
                    {
                        list.Add(text);
                    }
                }

                return list;
            default:
                Error(node.Position, FindingCodes.WrongType, $"{what} must be a list of text, found {node.Describe}");
                return [];
        }
    }

    public IReadOnlyList<YNode> Items(YNode node, string what)
    {
        switch (node)
        {
            case YSequence sequence:
                return sequence.Items;
            case YScalar { IsNull: true }:
                return [];
            default:
                Error(node.Position, FindingCodes.WrongType, $"{what} must be a list, found {node.Describe}");
                return [];
        }
    }

    /// <summary>Record scope: attribute → allowed values (text or list of text).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Records(YNode? node, string path, string what)
    {
        var records = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (node is YScalar { IsNull: true } || node is null)
        {
            return records;
        }

        if (node is not YMapping mapping)
        {
            Error(node.Position, FindingCodes.WrongType, $"{what} must be a mapping of attribute to values (e.g. team: [emea-sales]), found {node.Describe}");
            return records;
        }

        foreach (var (key, value) in mapping.Entries)
        {
            var values = TextList(value, $"{what}.{key.Value}");
            if (values.Count == 0)
            {
                Error(value.Position, FindingCodes.InvalidValue, $"{what}.{key.Value} must name at least one value");
            }

            records[key.Value] = values;
        }

        return records;
    }
}

/// <summary>Reads one mapping's keys; whatever was never asked for is an unknown key.</summary>
internal sealed class MappingReader
{
    private readonly Binder _binder;
    private readonly YMapping _mapping;
    private readonly string _what;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public MappingReader(Binder binder, YMapping mapping, string path, string what)
    {
        _binder = binder;
        _mapping = mapping;
        _what = what;
        Path = path;
    }

    public string Path { get; }

    public SourcePosition Position => _mapping.Position;

    public IEnumerable<KeyValuePair<YScalar, YNode>> Entries => _mapping.Entries;

    public string PathOf(string key) => $"{Path}/{SourceMap.Segment(key)}";

    /// <summary>The value under <paramref name="key"/>, or null (reporting it when required) when absent or null.</summary>
    public YNode? Take(string key, bool required = false)
    {
        _known.Add(key);
        foreach (var (k, value) in _mapping.Entries)
        {
            if (k.Value == key)
            {
                if (value is YScalar { IsNull: true })
                {
                    if (required)
                    {
                        _binder.Error(value.Position, FindingCodes.MissingField, $"{_what}: '{key}' is required and must not be empty");
                    }

                    return null;
                }

                return value;
            }
        }

        if (required)
        {
            _binder.Error(_mapping.Position, FindingCodes.MissingField, $"{_what}: missing required field '{key}'");
        }

        return null;
    }

    public string? Text(string key, bool required = false)
    {
        if (Take(key, required) is not { } node || _binder.Text(node, $"{_what}: '{key}'") is not { } text)
        {
            return null;
        }

        // A quoted "" is present but says nothing: for a required field it counts as missing.
        if (required && text.Length == 0)
        {
            _binder.Error(node.Position, FindingCodes.MissingField, $"{_what}: '{key}' is required and must not be empty");
            return null;
        }

        return text;
    }

    public IReadOnlyList<string> TextList(string key, bool required = false) =>
        Take(key, required) is { } node ? _binder.TextList(node, $"{_what}: '{key}'") : [];

    public int? Int(string key, int min, int max, bool required = false)
    {
        if (Take(key, required) is not { } node)
        {
            return null;
        }

        if (node is YScalar { IsPlain: true } scalar &&
            int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            if (value >= min && value <= max)
            {
                return value;
            }

            _binder.Error(node.Position, FindingCodes.InvalidValue, $"{_what}: '{key}' must be between {min} and {max}, found {value}");
            return null;
        }

        _binder.Error(node.Position, FindingCodes.WrongType, $"{_what}: '{key}' must be a whole number, found {Describe(node)}");
        return null;
    }

    public bool? Bool(string key)
    {
        if (Take(key) is not { } node)
        {
            return null;
        }

        if (node is YScalar { IsPlain: true, Value: "true" or "false" } scalar)
        {
            return scalar.Value == "true";
        }

        _binder.Error(node.Position, FindingCodes.WrongType, $"{_what}: '{key}' must be true or false, found {Describe(node)}");
        return null;
    }

    /// <summary>A value from a fixed set, spelled as in the file (kebab-case).</summary>
    public T? Choice<T>(string key, IReadOnlyDictionary<string, T> choices, bool required = false)
        where T : struct
    {
        if (Text(key, required) is not { } text)
        {
            return null;
        }

        if (choices.TryGetValue(text, out var value))
        {
            return value;
        }

        _binder.Error(_binder.Map.Find(PathOf(key)), FindingCodes.InvalidValue, $"{_what}: '{key}' must be one of {string.Join(", ", choices.Keys)}; found '{text}'");
        return null;
    }

    /// <summary>Reports every key that no Take asked for.</summary>
    public void Done()
    {
        foreach (var (key, _) in _mapping.Entries)
        {
            if (!_known.Contains(key.Value))
            {
                _binder.Error(key.Position, FindingCodes.UnknownKey, $"{_what}: unknown key '{key.Value}' (expected one of: {string.Join(", ", _known)}){NearestName.Hint(key.Value, _known)}");
            }
        }
    }

    private static string Describe(YNode node) => node is YScalar scalar ? $"'{scalar.Value}'" : node.Describe;
}
