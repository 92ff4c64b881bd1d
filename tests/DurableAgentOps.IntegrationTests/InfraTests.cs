using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>infra/ compiles with the real Bicep CLI and creates exactly the catalogue's identities.</summary>
public sealed class InfraTests
{
    [Fact]
    public async Task MainBicep_Compiled_CreatesOneManagedIdentityPerCatalogueIdentity()
    {
        var (exitCode, stdout, stderr) = await BicepAsync("build", Path.Combine(RepoPaths.Root, "infra", "main.bicep"), "--stdout");
        Assert.True(exitCode == 0, stderr);

        using var template = JsonDocument.Parse(stdout);
        var resource = Assert.Single(template.RootElement.GetProperty("resources").EnumerateArray());
        Assert.Equal("Microsoft.ManagedIdentity/userAssignedIdentities", resource.GetProperty("type").GetString());
        Assert.Equal("[length(variables('catalogueIdentities'))]", resource.GetProperty("copy").GetProperty("count").GetString());

        // The template embeds the catalogue it was compiled from: the same identities the validator and runtime use.
        var embedded = template.RootElement.GetProperty("variables").EnumerateObject()
            .Select(v => v.Value).First(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("identities", out _))
            .GetProperty("identities").EnumerateObject().Select(p => p.Name).Order();
        var catalogue = WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml")).Catalogue;
        Assert.Equal(catalogue.Identities.Select(i => i.Name).Order(), embedded);
    }

    [Fact]
    public async Task MainBicep_Lint_HasNoFindings()
    {
        var (exitCode, stdout, stderr) = await BicepAsync("lint", Path.Combine(RepoPaths.Root, "infra", "main.bicep"));

        Assert.True(exitCode == 0 && stdout.Trim().Length == 0 && stderr.Trim().Length == 0, stdout + stderr);
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> BicepAsync(params string[] args)
    {
        var bicep = typeof(InfraTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPath").Value!;
        if (!OperatingSystem.IsWindows())
        {
            // NuGet does not keep the execute bit of a packaged binary.
            File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);
        }
        var info = new ProcessStartInfo(bicep) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }
}
