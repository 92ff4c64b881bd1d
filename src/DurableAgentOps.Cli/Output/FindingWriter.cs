using System.Text.Json;
using DurableAgentOps.Core.Diagnostics;

namespace DurableAgentOps.Cli.Output;

internal static class FindingWriter
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void WriteText(TextWriter writer, IEnumerable<Finding> findings)
    {
        foreach (var finding in findings)
        {
            writer.WriteLine(finding.ToString());
        }
    }

    /// <summary>{ "summary": {...}, "findings": [ { file, line, column, severity, code, message } ] }.</summary>
    public static void WriteJson(TextWriter writer, IEnumerable<Finding> findings, object summary)
    {
        var items = findings.Select(f => new
        {
            file = f.File,
            line = f.Line,
            column = f.Column,
            severity = f.Severity.ToString().ToLowerInvariant(),
            code = f.Code,
            message = f.Message,
        });
        writer.WriteLine(JsonSerializer.Serialize(new { summary, findings = items }, Json));
    }
}
