using System.Diagnostics.Metrics;
using System.Reflection;
using DurableAgentOps.Runtime.Telemetry;

namespace DurableAgentOps.ArchitectureTests.Docs;

/// <summary>docs/ARCHITECTURE.md's "Telemetry" tables against the Runtime's span names, instruments and attribute names, both ways.</summary>
public sealed class TelemetryDocsTests
{
    private static readonly Type Telemetry = typeof(RuntimeTelemetry);
    private static readonly Type Tags = Telemetry.Assembly.GetType("DurableAgentOps.Runtime.Telemetry.TelemetryTags", throwOnError: true)!;

    [Fact]
    public void Spans_TableInArchitectureMd_IsEverySpanNameOfTheRuntime()
    {
        var documented = Documented("span", "where", "attributes");

        var inCode = Constants(Telemetry).Where(f => f.Name.EndsWith("Span", StringComparison.Ordinal)).Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(inCode.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Metrics_TableInArchitectureMd_IsEveryInstrumentOfTheRuntimesMeter()
    {
        var documented = Documented("metric", "unit", "what");

        var instruments = Telemetry.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(f => typeof(Instrument).IsAssignableFrom(f.FieldType)).Select(f => (Instrument)f.GetValue(null)!).ToList();

        Assert.All(instruments, i => Assert.Equal(RuntimeTelemetry.MeterName, i.Meter.Name));
        Assert.Equal(instruments.Select(i => i.Name).Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
        var units = MarkdownTable.Find("docs/ARCHITECTURE.md", "metric", "unit", "what").Rows.ToDictionary(r => MarkdownTable.CodeSpans(r[0])[0], r => r[1]);
        Assert.All(instruments, i => Assert.Equal(i.Unit, units[i.Name]));
    }

    [Fact]
    public void Attributes_TableInArchitectureMd_IsEveryAttributeName()
    {
        var documented = Documented("attribute", "what");

        var inCode = Constants(Tags).Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(inCode.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    private static List<string> Documented(params string[] columns) =>
        [.. MarkdownTable.Find("docs/ARCHITECTURE.md", columns).Column(0).Select(c => MarkdownTable.CodeSpans(c)[0])];

    private static IEnumerable<FieldInfo> Constants(Type type) =>
        type.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic).Where(f => f is { IsLiteral: true } && f.FieldType == typeof(string)
            && f.Name != nameof(RuntimeTelemetry.SourceName) && f.Name != nameof(RuntimeTelemetry.MeterName) && f.Name != "TraceParentTag");
}
