using Mono.Cecil;

namespace DurableAgentOps.ArchitectureTests;

/// <summary>
/// Every log message of an assembly is a source-generated <c>[LoggerMessage]</c> in its one <c>Logs</c> class, with an
/// event id no other message of the assembly uses: an operator filters and alerts by event id.
/// </summary>
public sealed class LogEventIdTests
{
    [Theory]
    [MemberData(nameof(Projects))]
    public void LoggerMessages_ProductAssembly_LiveInOneLogsClassWithUniqueEventIds(string project)
    {
        var messages = LoggerMessages(project);

        var outside = messages.Where(m => m.Type != "Logs").Select(m => $"{m.Namespace}.{m.Type}.{m.Method}").ToList();
        Assert.True(outside.Count == 0, $"{project}: log messages outside its Logs class: {string.Join(", ", outside)}");
        Assert.True(messages.Select(m => m.Namespace).Distinct().Count() <= 1,
            $"{project}: more than one Logs class: {string.Join(", ", messages.Select(m => m.Namespace).Distinct())}");
        var repeated = messages.GroupBy(m => m.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(m => m.Method))}").ToList();
        Assert.True(repeated.Count == 0, $"{project}: event ids used more than once: {string.Join("; ", repeated)}");
    }

    [Fact]
    public void LoggerMessages_EveryAssemblyThatLogs_IsRead()
    {
        // The theory above passes trivially for an assembly it cannot read; these are known to log.
        foreach (var project in new[] { "DurableAgentOps.Runtime", "DurableAgentOps.Api", "DurableAgentOps.DevServices" })
        {
            Assert.NotEmpty(LoggerMessages(project));
        }
    }

    public static TheoryData<string> Projects() => ProductAssemblies.Names();

    private static List<(string Namespace, string Type, string Method, int EventId)> LoggerMessages(string project)
    {
        using var module = ProductAssemblies.Read(project);
        var found = new List<(string, string, string, int)>();
        foreach (var type in module.GetTypes())
        {
            foreach (var method in type.Methods)
            {
                if (method.CustomAttributes.FirstOrDefault(a => a.AttributeType.FullName == "Microsoft.Extensions.Logging.LoggerMessageAttribute") is { } attribute)
                {
                    found.Add((type.Namespace, type.Name, method.Name, EventIdOf(attribute)));
                }
            }
        }

        return found;
    }

    /// <summary>The event id, whether given first in the constructor or by name; read from the blob, so no referenced assembly is needed.</summary>
    private static int EventIdOf(CustomAttribute attribute)
    {
        if (attribute.Properties.FirstOrDefault(p => p.Name == "EventId") is { Name: not null } named)
        {
            return (int)named.Argument.Value;
        }

        var blob = attribute.GetBlob();
        if (attribute.Constructor.Parameters.FirstOrDefault()?.ParameterType.FullName == "System.Int32" && blob.Length >= 6)
        {
            return BitConverter.ToInt32(blob, 2); // after the 2-byte prolog, the first fixed argument
        }

        throw new InvalidOperationException($"[LoggerMessage] on {attribute.Constructor.DeclaringType} names no event id");
    }
}
