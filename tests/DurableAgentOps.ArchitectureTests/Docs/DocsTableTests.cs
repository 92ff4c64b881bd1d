using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableAgentOps.Api;
using DurableAgentOps.Api.Instances;
using DurableAgentOps.Api.Security;
using DurableAgentOps.Runtime;
using DurableAgentOps.Runtime.Engine;
using Mono.Cecil;

namespace DurableAgentOps.ArchitectureTests.Docs;

/// <summary>
/// Every table in the docs that mirrors code is checked against the code, both ways: a row the code does not have is
/// as wrong as a piece of code the docs forget. (The finding codes of docs/WORKFLOWS.md are checked by the CLI's
/// WorkflowDocsTests, the formats of docs/EVIDENCE.md by Core's EvidenceDocsTests.)
/// </summary>
public sealed class DocsTableTests
{
    [Fact]
    public void Functions_TableInFunctionsMd_IsWhatTheBuiltAppDeclares()
    {
        var table = MarkdownTable.Find("docs/FUNCTIONS.md", "function", "trigger");
        var documented = table.Rows.ToDictionary(r => MarkdownTable.CodeSpans(r[0])[0], r => r[1]);

        var declared = FunctionsMetadata().ToDictionary(
            f => f.GetProperty("name").GetString()!,
            f => f.GetProperty("bindings").EnumerateArray().Select(b => b.GetProperty("type").GetString()!).Single(t => t.EndsWith("Trigger", StringComparison.Ordinal)));

        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), documented.Keys.Order(StringComparer.Ordinal));
        Assert.All(declared, f => Assert.True(documented[f.Key] == f.Value, $"{f.Key}: docs say {documented[f.Key]}, the app declares {f.Value}"));
    }

    [Fact]
    public void Endpoints_TableInArchitectureMd_IsEveryMappedEndpointWithItsMethodRouteAndPolicy()
    {
        var table = MarkdownTable.Find("docs/ARCHITECTURE.md", "endpoint", "method", "route", "policy");
        var documented = table.Rows.Select(r => $"{MarkdownTable.CodeSpans(r[0])[0]} {r[1]} {MarkdownTable.CodeSpans(r[2])[0]} {Policy(r[3])}");

        var mapped = AgentOpsApiEndpoints.All.Concat(InstanceApi.All).Select(e => $"{e.Name} {e.Method} {e.Route} {e.Policy ?? "none"}");

        Assert.Equal(mapped.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Policies_TableInSecurityMd_IsEveryPolicy()
    {
        var table = MarkdownTable.Find("docs/SECURITY.md", "policy", "who passes it");

        var documented = table.Column(0).Select(c => MarkdownTable.CodeSpans(c)[0]);

        Assert.Equal(AgentOpsPolicies.Descriptions.Keys.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Settings_TableInSettingsMd_IsEverySettingOfTheOptionsClasses()
    {
        var documented = MarkdownTable.Find("docs/SETTINGS.md", "setting", "default").Column(0)
            .Select(c => Wildcards(MarkdownTable.CodeSpans(c)[0])).ToList();

        var inCode = OptionsSettings(typeof(AgentOpsRuntimeServiceCollectionExtensions).Assembly, typeof(AgentOpsApiEndpoints).Assembly)
            .Concat(ReadDirectly).ToList();

        Assert.Empty(documented.GroupBy(d => d).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Equal(inCode.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    /// <summary>Settings the main Function App does not read: the standalone host's own, and the writer's.</summary>
    private static readonly string[] NotOnTheMainApp = ["Host:ShutdownTimeout", "Host:Role", "AgentOps:Writer:RunStorage"];

    [Fact]
    public void LocalSettingsExample_FunctionsApp_NamesEverySettingWithIdentityStorageAndNoSecretInIt()
    {
        var documented = MarkdownTable.Find("docs/SETTINGS.md", "setting", "default").Column(0)
            .Select(c => MarkdownTable.CodeSpans(c)[0]).Where(s => !NotOnTheMainApp.Contains(s)).ToList();
        using var example = JsonDocument.Parse(MarkdownTable.Read("src/DurableAgentOps.Functions/local.settings.json.example"));
        var values = example.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);

        // Each documented setting under its app-setting name (a {system} stands for any one system).
        foreach (var setting in documented)
        {
            var pattern = "^" + Regex.Escape(setting.Replace(":", "__", StringComparison.Ordinal)).Replace(@"\{system}", "[a-z][a-z0-9-]*", StringComparison.Ordinal) + "(__accountName)?$";
            Assert.True(values.Keys.Any(k => Regex.IsMatch(k, pattern)), $"local.settings.json.example does not name {setting}");
        }

        // Storage by identity, never a key; every secret a Key Vault reference, never a value.
        Assert.Equal("managedidentity", values["AzureWebJobsStorage__credential"]);
        Assert.DoesNotContain(values, v => v.Key == "AzureWebJobsStorage" || v.Value.Contains("AccountKey", StringComparison.OrdinalIgnoreCase));
        var secrets = MarkdownTable.Find("docs/SETTINGS.md", "setting", "default").Rows
            .Where(r => r[^1].Contains("a secret", StringComparison.Ordinal)).Select(r => MarkdownTable.CodeSpans(r[0])[0].Replace(":", "__", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(secrets);
        Assert.All(secrets.Where(values.ContainsKey), s => Assert.StartsWith("@Microsoft.KeyVault(SecretUri=", values[s], StringComparison.Ordinal));
    }

    [Fact]
    public void EngineSettings_TableInArchitectureMd_IsEveryDurableEngineOption()
    {
        var documented = MarkdownTable.Find("docs/ARCHITECTURE.md", "setting", "default", "notes").Column(0)
            .Select(c => MarkdownTable.CodeSpans(c)[0]);

        var inCode = Properties(typeof(DurableEngineOptions)).Where(p => p.Name != nameof(DurableEngineOptions.StorageProvider)).Select(p => Camel(p.Name))
            .Concat(Properties(typeof(StorageProviderOptions)).Select(p => "storageProvider." + Camel(p.Name)));

        Assert.Equal(inCode.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DevServicesSettings_TableInDevServicesMd_IsEverySettingOfItsOptions()
    {
        var documented = MarkdownTable.Find("docs/DEVSERVICES.md", "setting", "default", "meaning").Column(0)
            .Select(c => MarkdownTable.CodeSpans(c)[0]);

        using var module = ProductAssemblies.Read("DurableAgentOps.DevServices");
        var options = module.GetTypes().Single(t => t.Name == "DevServicesOptions");
        var inCode = DevServicesSettings(options, "DevServices");

        Assert.Equal(inCode.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void CliCommands_TableInArchitectureMd_IsWhatAgentopsHelpLists()
    {
        var documented = MarkdownTable.Find("docs/ARCHITECTURE.md", "command", "what it does").Column(0).Select(c => MarkdownTable.CodeSpans(c)[0]);

        var listed = AgentopsHelpCommands();

        Assert.NotEmpty(listed);
        Assert.Equal(listed.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));
    }

    /// <summary>Settings a host reads straight from configuration rather than through an options class.</summary>
    private static readonly string[] ReadDirectly =
    [
        "AzureWebJobsStorage", // the task hub's connection (StorageSettings.ConnectionName), resolved as the Functions host resolves it
        Runtime.Stores.GovernanceStorage.PrefixSetting,
        "Host:ShutdownTimeout", // StandaloneHost: the generic host's own shutdown timeout
        "Host:Role", // StandaloneHost: main or writer, chosen before any options class exists
        Runtime.Writer.WriterOptions.RunStorageSetting, // the writer's connection to the run storage, read as AzureWebJobsStorage is
        Api.Telemetry.TelemetryOptions.OtlpEndpointSetting, // OpenTelemetry's and Application Insights' own variables, by their names
        Api.Telemetry.TelemetryOptions.ApplicationInsightsSetting,
    ];

    private static string Policy(string cell) => cell.StartsWith("none", StringComparison.Ordinal) ? "none" : MarkdownTable.CodeSpans(cell)[0];

    private static string Wildcards(string key) => Regex.Replace(key, @"\{[^}]+\}", "{*}");

    private static string Camel(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static IEnumerable<PropertyInfo> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0
            && (p.SetMethod is { IsPublic: true } || IsCollection(p.PropertyType)));

    private static bool IsCollection(Type type) => type != typeof(string) && !type.IsArray && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));

    /// <summary>"Section:Property" for every options class of the assemblies (a class with a Section constant), dictionaries of settings as Section:Property:{*}:Inner.</summary>
    private static IEnumerable<string> OptionsSettings(params Assembly[] assemblies)
    {
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
        {
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is not { IsLiteral: true } field || field.GetRawConstantValue() is not string section)
            {
                continue;
            }

            foreach (var property in Properties(type))
            {
                if (property.PropertyType.IsGenericType && property.PropertyType.GetGenericArguments() is [var key, var value] && key == typeof(string) && value.IsClass && value != typeof(string))
                {
                    foreach (var inner in Properties(value))
                    {
                        yield return $"{section}:{property.Name}:{{*}}:{inner.Name}";
                    }
                }
                else
                {
                    yield return $"{section}:{property.Name}";
                }
            }
        }
    }

    private static IEnumerable<string> DevServicesSettings(TypeDefinition options, string section)
    {
        foreach (var property in options.Properties.Where(p => p.GetMethod is { IsPublic: true } && p.Name != "StorageConnectionString"))
        {
            var type = property.PropertyType.Resolve();
            if (type is { IsClass: true } && type.Namespace.StartsWith("DurableAgentOps", StringComparison.Ordinal))
            {
                foreach (var inner in DevServicesSettings(type, $"{section}:{property.Name}"))
                {
                    yield return inner;
                }
            }
            else
            {
                yield return $"{section}:{property.Name}";
            }
        }

        if (options.Properties.Any(p => p.Name == "StorageConnectionString"))
        {
            yield return "AzureWebJobsStorage"; // StorageConnectionString is bound from it
        }
    }

    private static IEnumerable<JsonElement> FunctionsMetadata()
    {
        var path = Path.Combine(Path.GetDirectoryName(ProductAssemblies.PathOf("DurableAgentOps.Functions"))!, "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(f => f.Clone())];
    }

    /// <summary>The commands `agentops --help` lists, as a user sees them.</summary>
    private static List<string> AgentopsHelpCommands()
    {
        var info = new ProcessStartInfo("dotnet") { ArgumentList = { ProductAssemblies.PathOf("DurableAgentOps.Cli"), "--help" }, RedirectStandardOutput = true };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return [.. output.Split('\n').SkipWhile(l => !l.StartsWith("Commands:", StringComparison.Ordinal)).Skip(1)
            .Where(l => l.StartsWith("  ", StringComparison.Ordinal) && !l.StartsWith("   ", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ')[0]).Where(c => c.Length > 0)];
    }
}
