using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DurableAgentOps.IntegrationTests.Infrastructure;

/// <summary>
/// An OpenTelemetry collector as far as a test needs one: a real Kestrel app on a free loopback port taking OTLP over
/// HTTP (protobuf) at <c>/v1/traces</c> and <c>/v1/metrics</c>, keeping every payload as received and reading the spans
/// out of the trace payloads (protobuf's own wire reader, the OTLP field numbers; unknown fields are skipped).
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> payloads = new();

    private OtlpReceiver(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Every payload, traces and metrics, as its bytes arrived.</summary>
    public IReadOnlyList<(string Signal, byte[] Body)> Payloads => [.. payloads];

    /// <summary>Every span received so far.</summary>
    public IReadOnlyList<ReceivedSpan> Spans => [.. payloads.Where(p => p.Signal == "traces").SelectMany(p => ReadSpans(p.Body))];

    /// <summary>The settings that point a host's OTLP exporter here, exporting soon after each span and every second for metrics.</summary>
    public Dictionary<string, string?> HostSettings() => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = BaseUrl.AbsoluteUri.TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
    };

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver.payloads.Enqueue((signal, body.ToArray()));
            return Results.Bytes([], "application/x-protobuf"); // an empty Export*ServiceResponse: all accepted
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.BaseUrl = new Uri(address.EndsWith('/') ? address : address + "/");
        return receiver;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    // ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.scope_spans = 2; ScopeSpans.scope = 1 (name = 1), spans = 2.
    private static IEnumerable<ReceivedSpan> ReadSpans(byte[] body) =>
        from resource in Messages(ByteString.CopyFrom(body), 1)
        from scopeSpans in Messages(resource, 2)
        let scope = Messages(scopeSpans, 1).Select(s => Text(s, 1)).FirstOrDefault() ?? string.Empty
        from span in Messages(scopeSpans, 2)
        select ReadSpan(scope, span);

    // Span: trace_id 1, span_id 2, parent_span_id 4, name 5, start 7, end 8, attributes 9, links 13 (span_id 2), status 15 (message 2, code 3).
    private static ReceivedSpan ReadSpan(string scope, ByteString span)
    {
        var fields = Fields(span).ToList();
        ulong Time(int field) => fields.Where(f => f.Field == field).Select(f => (ulong)f.Value).FirstOrDefault();
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attribute in Messages(span, 9))
        {
            var value = Messages(attribute, 2).FirstOrDefault();
            attributes[Text(attribute, 1) ?? string.Empty] = value is null ? string.Empty : AnyValue(value);
        }

        var status = Messages(span, 15).FirstOrDefault();
        return new ReceivedSpan(scope, Hex(span, 1), Hex(span, 2), Hex(span, 4), Text(span, 5) ?? string.Empty,
            DateTimeOffset.UnixEpoch.AddTicks((long)(Time(7) / 100)), DateTimeOffset.UnixEpoch.AddTicks((long)(Time(8) / 100)), attributes,
            [.. Messages(span, 13).Select(link => Hex(link, 2))], status is null ? null : Text(status, 2));
    }

    // AnyValue: string 1, bool 2, int 3, double 4 (other kinds are not used on these spans).
    private static string AnyValue(ByteString value)
    {
        var (field, content) = Fields(value).First();
        return field switch
        {
            1 => ((ByteString)content).ToStringUtf8(),
            2 => ((ulong)content != 0).ToString(),
            3 => ((long)(ulong)content).ToString(System.Globalization.CultureInfo.InvariantCulture),
            4 => BitConverter.UInt64BitsToDouble((ulong)content).ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "(" + field + ")",
        };
    }

    private static IEnumerable<ByteString> Messages(ByteString message, int field) =>
        Fields(message).Where(f => f.Field == field && f.Value is ByteString).Select(f => (ByteString)f.Value);

    private static string? Text(ByteString message, int field) => Messages(message, field).Select(b => b.ToStringUtf8()).FirstOrDefault();

    private static string Hex(ByteString message, int field) => Convert.ToHexStringLower(Messages(message, field).FirstOrDefault()?.ToByteArray() ?? []);

    private static List<(int Field, object Value)> Fields(ByteString message)
    {
        var fields = new List<(int, object)>();
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var field = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint: fields.Add((field, input.ReadUInt64())); break;
                case WireFormat.WireType.Fixed64: fields.Add((field, input.ReadFixed64())); break;
                case WireFormat.WireType.Fixed32: fields.Add((field, (ulong)input.ReadFixed32())); break;
                case WireFormat.WireType.LengthDelimited: fields.Add((field, input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }

        return fields;
    }
}

/// <summary>One span as a collector got it: its instrumentation scope (the source), ids in hex, times and attributes.</summary>
internal sealed record ReceivedSpan(
    string Scope, string TraceId, string SpanId, string ParentSpanId, string Name, DateTimeOffset Start, DateTimeOffset End,
    IReadOnlyDictionary<string, string> Attributes, IReadOnlyList<string> Links, string? StatusMessage)
{
    public string? this[string attribute] => Attributes.GetValueOrDefault(attribute);
}
