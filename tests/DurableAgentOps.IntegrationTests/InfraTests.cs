using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.IntegrationTests.Infrastructure;

namespace DurableAgentOps.IntegrationTests;

/// <summary>
/// infra/ compiles and lints with the real Bicep CLI, and the compiled template keeps its promises (docs/DEPLOY.md):
/// the catalogue's identities and the host's, storage reached by identity only, roles for the host identity alone.
/// </summary>
public sealed partial class InfraTests
{
    private static readonly string Infra = Path.Combine(RepoPaths.Root, "infra");

    // Built-in role ids (the same in every tenant) and the one scope each may be granted at: what the host identity
    // needs, nothing wider. A scope is the compiled resourceId expression of the resource the role is on.
    private const string Account = "[resourceId('Microsoft.Storage/storageAccounts', parameters('accountName'))]";

    private const string WriterAccount = "[resourceId('Microsoft.Storage/storageAccounts', parameters('writerAccountName'))]";

    private static string Secret(string name) => $"[resourceId('Microsoft.KeyVault/vaults/secrets', parameters('vaultName'), '{name}')]";

    /// <summary>The roles each app's own identity may hold, and where: nothing else is granted to anyone.</summary>
    private static readonly Dictionary<string, Dictionary<string, (string Role, string[] Scopes)>> AllowedRoles = new()
    {
        ["hostPrincipalId"] = new()
        {
            ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = ("Storage Blob Data Owner", [Account]),
            ["974c5e8b-45b9-4653-ba55-5f855dd0fb88"] = ("Storage Queue Data Contributor", [Account]),
            ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = ("Storage Table Data Contributor", [Account]),
            ["ba92f5b4-2d11-453d-a403-e96b0029c9fe"] = ("Storage Blob Data Contributor",
                ["[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('accountName'), 'default', 'anchors')]"]),
            ["12338af0-0e69-4776-bea7-57ae8d297424"] = ("Key Vault Crypto User", ["[resourceId('Microsoft.KeyVault/vaults/keys', parameters('vaultName'), 'evidence-signing')]"]),
            ["4633458b-17de-408a-b874-0445c86b69e6"] = ("Key Vault Secrets User",
                [Secret("link-signing-key"), Secret("evidence-vault-key"), Secret("pages-client-secret"), Secret("write-intent-key"), Secret("delegation-cache-key")]),
        },

        // The writer app: reads the main account; owns its own account (package, runtime data, intent record); reads the
        // intent key and the vault key. No queue, no signing key, no link key, and the host has no role on its account.
        ["writerPrincipalId"] = new()
        {
            ["2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"] = ("Storage Blob Data Reader", [Account]),
            ["76199698-9eea-4c19-bc75-cec21354c6b6"] = ("Storage Table Data Reader", [Account]),
            ["b7e6dc6d-f1e8-4753-8033-0f276bb0955b"] = ("Storage Blob Data Owner", [WriterAccount]),
            ["0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"] = ("Storage Table Data Contributor", [WriterAccount]),
            ["4633458b-17de-408a-b874-0445c86b69e6"] = ("Key Vault Secrets User", [Secret("evidence-vault-key"), Secret("write-intent-key")]),
        },
    };

    private static readonly Lazy<Task<JsonDocument>> Compiled = new(async () =>
    {
        var (exitCode, stdout, stderr) = await BicepAsync("build", Path.Combine(Infra, "main.bicep"), "--stdout");
        Assert.True(exitCode == 0, stderr);
        return JsonDocument.Parse(stdout);
    });

    [Fact]
    public async Task MainBicep_Compiled_OneIdentityPerCatalogueEntryAndOneForEachApp()
    {
        var template = (await Compiled.Value).RootElement;
        var identities = Module(template, "identities").Resources.Where(r => Type(r) == "Microsoft.ManagedIdentity/userAssignedIdentities").ToList();

        Assert.Equal(3, identities.Count);
        Assert.Contains(identities, r => r.GetProperty("name").GetString() == "[format('{0}-host', parameters('namePrefix'))]");
        Assert.Contains(identities, r => r.GetProperty("name").GetString() == "[format('{0}-writer-host', parameters('namePrefix'))]");
        Assert.Contains(identities, r => r.TryGetProperty("copy", out var copy)
            && copy.GetProperty("count").GetString() == "[length(parameters('catalogueIdentities'))]");

        // The template embeds the catalogue it was compiled from: the same identities the validator and runtime use.
        var embedded = template.GetProperty("variables").EnumerateObject()
            .Select(v => v.Value).First(v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("identities", out _))
            .GetProperty("identities").EnumerateObject().Select(p => p.Name).Order();
        Assert.Equal(Catalogue().Identities.Select(i => i.Name).Order(), embedded);
    }

    [Fact]
    public async Task MainBicep_Compiled_StorageIsReachedByIdentityOnly()
    {
        var template = (await Compiled.Value).RootElement;
        var account = Assert.Single(Module(template, "storage").Resources, r => Type(r) == "Microsoft.Storage/storageAccounts");
        Assert.False(account.GetProperty("properties").GetProperty("allowSharedKeyAccess").GetBoolean());

        var settings = Assert.Single(Module(template, "app").Resources, r => Type(r) == "Microsoft.Web/sites/config").GetProperty("properties").GetString()!;
        Assert.Contains("'AzureWebJobsStorage__credential', 'managedidentity'", settings, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__clientId', parameters('hostClientId')", settings, StringComparison.Ordinal);
        Assert.Contains("'AzureWebJobsStorage__accountName', parameters('storageAccountName')", settings, StringComparison.Ordinal);
        foreach (var storageAccount in Deployments(new ModuleTemplate("main", template, default)).SelectMany(d => d.Resources).Where(r => Type(r) == "Microsoft.Storage/storageAccounts"))
        {
            Assert.False(storageAccount.GetProperty("properties").GetProperty("allowSharedKeyAccess").GetBoolean()); // the anchors' account too
        }

        // No key is read or written anywhere: no listKeys, no account key, no plain AzureWebJobsStorage.
        var text = template.GetRawText();
        Assert.DoesNotContain("listKeys", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("AccountKey", text, StringComparison.Ordinal);
        Assert.DoesNotContain("'AzureWebJobsStorage',", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MainBicep_Compiled_OnlyTheAppsOwnIdentitiesHoldRolesAndOnlyWhereTheyNeedThem()
    {
        var template = (await Compiled.Value).RootElement;
        var root = new ModuleTemplate("main", template, default);
        var granted = AllowedRoles.Keys.ToDictionary(k => k, _ => new List<string>());
        foreach (var module in Deployments(root))
        {
            foreach (var assignment in module.Resources.Where(r => Type(r) == "Microsoft.Authorization/roleAssignments"))
            {
                Assert.NotEqual("main", module.Name); // the root grants nothing itself: every grant is a module's, checked here
                var properties = assignment.GetProperty("properties");
                var principal = PrincipalParameter().Match(properties.GetProperty("principalId").GetString()!);
                Assert.True(principal.Success && AllowedRoles.ContainsKey(principal.Groups[1].Value), $"{module.Name} grants a role to {properties.GetProperty("principalId")}");
                var allowedRoles = AllowedRoles[principal.Groups[1].Value];

                // A role is named by the module's variables (one, or several in a loop over them), never spelled inline.
                var expression = properties.GetProperty("roleDefinitionId").GetString()!;
                Assert.StartsWith("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', ", expression, StringComparison.Ordinal);
                var roles = RoleVariable().Matches(expression).Select(m => module.Template.GetProperty("variables").GetProperty(m.Groups[1].Value).GetString()!).ToList();
                Assert.NotEmpty(roles);
                var scope = assignment.TryGetProperty("scope", out var s) ? s.GetString() : null;
                foreach (var role in roles)
                {
                    Assert.True(allowedRoles.TryGetValue(role, out var allowed), $"{module.Name} grants role {role} to {principal.Groups[1].Value}, which does not need it");
                    Assert.True(allowed.Scopes.Contains(scope), $"{module.Name} grants {allowed.Role} to {principal.Groups[1].Value} at {scope ?? "the resource group"}");
                }

                granted[principal.Groups[1].Value].AddRange(roles);
            }

            // Every module that grants a role is handed the apps' own identities' principal ids, and no other.
            foreach (var (parameter, output) in new[] { ("hostPrincipalId", "hostPrincipalId"), ("writerPrincipalId", "writerHostPrincipalId") })
            {
                if (module.Parameters.ValueKind == JsonValueKind.Object && module.Parameters.TryGetProperty(parameter, out var value))
                {
                    Assert.EndsWith($"'identities'), '2025-04-01').outputs.{output}.value]", value.GetProperty("value").GetString(), StringComparison.Ordinal);
                }
            }
        }

        foreach (var (principal, roles) in AllowedRoles)
        {
            Assert.Equal(roles.Keys.Order(), granted[principal].Distinct().Order());
        }
    }

    [Fact]
    public async Task MainBicep_Compiled_WriterIdentitiesAreAttachedToTheWriterAppAlone()
    {
        var template = (await Compiled.Value).RootElement;
        var variables = template.GetProperty("variables");

        // The catalogue's app: writer picks the writer's identities; every other one is the main app's, and the two never meet.
        Assert.Equal(
            "[filter(range(0, length(variables('catalogueIdentities'))), lambda('i', equals(coalesce(tryGet(variables('catalogueIdentities')[lambdaVariables('i')].value, 'app'), 'main'), 'writer')))]",
            variables.GetProperty("writerIndexes").GetString());
        Assert.Equal(
            "[filter(range(0, length(variables('catalogueIdentities'))), lambda('i', not(contains(variables('writerIndexes'), lambdaVariables('i')))))]",
            variables.GetProperty("mainIndexes").GetString());
        foreach (var (module, indexes, host) in new[] { ("app", "mainIndexes", "hostIdentityId"), ("writer-app", "writerIndexes", "writerHostIdentityId") })
        {
            var parameters = Module(template, module).Parameters;
            Assert.StartsWith($"[map(variables('{indexes}'), ", parameters.GetProperty("catalogue").GetProperty("value").GetString(), StringComparison.Ordinal);
            Assert.StartsWith($"[map(variables('{indexes}'), ", parameters.GetProperty("catalogueIdentities").GetProperty("value").GetString(), StringComparison.Ordinal);
            Assert.EndsWith($".outputs.{host}.value]", parameters.GetProperty("hostIdentityId").GetProperty("value").GetString(), StringComparison.Ordinal);
        }

        // Each app's site attaches its own identity and the catalogue identities it was given, nothing else.
        var site = Assert.Single(Module(template, "app").Resources, r => Type(r) == "Microsoft.Web/sites");
        Assert.Equal("[variables('attached')]", site.GetProperty("identity").GetProperty("userAssignedIdentities").GetString());
        Assert.Equal("[union(createObject(format('{0}', parameters('hostIdentityId')), createObject()), toObject(parameters('catalogue'), lambda('c', lambdaVariables('c').id), lambda('c', createObject())))]",
            Module(template, "app").Template.GetProperty("variables").GetProperty("attached").GetString());

        // And the catalogue marks exactly the identities separate-writer workflows write with.
        var writers = Directory.GetFiles(Path.Combine(RepoPaths.Root, "workflows"), "*.yaml")
            .Select(f => WorkflowLoader.Load(f)).Where(w => w.Definition is { Isolation: Core.Model.Isolation.SeparateWriter })
            .SelectMany(w => w.Definition!.Steps.Where(s => s.Kind == Core.Model.StepKind.Write).Select(s => s.Identity));
        Assert.Equal(writers.Distinct().Order(), Catalogue().Identities.Where(i => i.App == Core.Model.IdentityApp.Writer).Select(i => i.Name).Order());
    }

    [Fact]
    public async Task MainBicep_Compiled_TheAppReadsItsPackageWithTheHostIdentity()
    {
        var template = (await Compiled.Value).RootElement;
        var site = Assert.Single(Module(template, "app").Resources, r => Type(r) == "Microsoft.Web/sites");
        var storage = site.GetProperty("properties").GetProperty("functionAppConfig").GetProperty("deployment").GetProperty("storage");
        Assert.Equal("UserAssignedIdentity", storage.GetProperty("authentication").GetProperty("type").GetString());
        Assert.Equal("[parameters('hostIdentityId')]", storage.GetProperty("authentication").GetProperty("userAssignedIdentityResourceId").GetString());
        Assert.Equal("[parameters('hostIdentityId')]", site.GetProperty("properties").GetProperty("keyVaultReferenceIdentity").GetString());
    }

    [Fact]
    public async Task MainBicep_Compiled_AnchorsAreWriteOnceForTheRetentionAndTheVaultIsRbacOnly()
    {
        var template = (await Compiled.Value).RootElement;
        var anchors = Module(template, "anchors").Resources.ToList();

        // Version-level immutability with a time-based retention: an anchored head cannot be changed or deleted in it.
        var blobService = Assert.Single(anchors, r => Type(r) == "Microsoft.Storage/storageAccounts/blobServices");
        Assert.True(blobService.GetProperty("properties").GetProperty("isVersioningEnabled").GetBoolean());
        var container = Assert.Single(anchors, r => Type(r) == "Microsoft.Storage/storageAccounts/blobServices/containers");
        Assert.True(container.GetProperty("properties").GetProperty("immutableStorageWithVersioning").GetProperty("enabled").GetBoolean());
        var policy = Assert.Single(anchors, r => Type(r) == "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies").GetProperty("properties");
        Assert.Equal("[parameters('retentionDays')]", policy.GetProperty("immutabilityPeriodSinceCreationInDays").GetString());
        Assert.False(policy.GetProperty("allowProtectedAppendWrites").GetBoolean());

        // The vault answers Azure RBAC only (no access policies), so the role assignments checked above are all its access.
        var vault = Assert.Single(Module(template, "vault").Resources, r => Type(r) == "Microsoft.KeyVault/vaults").GetProperty("properties");
        Assert.True(vault.GetProperty("enableRbacAuthorization").GetBoolean());
        Assert.False(vault.TryGetProperty("accessPolicies", out _));
    }

    [Fact]
    public void Catalogue_AzureClientIds_AreThePlaceholdersTheAppSettingsAreNamedAfter()
    {
        // The app sets each identity's client id in the setting its clientIds.azure entry names (docs/DEPLOY.md).
        foreach (var identity in Catalogue().Identities)
        {
            Assert.True(identity.ClientIds.TryGetValue("azure", out var azure), $"{identity.Name} has no clientIds.azure");
            Assert.Matches(@"^\$\{[A-Z][A-Z0-9_]*\}$", azure);
        }
    }

    [Fact]
    public async Task InfraFiles_LintedAndParametersBuilt_HaveNoFinding()
    {
        var files = Directory.GetFiles(Infra, "*.bicep*", SearchOption.AllDirectories).Order().ToList();
        Assert.Contains(files, f => f.EndsWith(".bicepparam", StringComparison.Ordinal));
        foreach (var file in files)
        {
            var (exitCode, stdout, stderr) = await BicepAsync("lint", file);
            Assert.True(exitCode == 0 && stdout.Trim().Length == 0 && stderr.Trim().Length == 0, $"{Path.GetRelativePath(Infra, file)}: {stdout}{stderr}");
        }

        foreach (var parameters in files.Where(f => f.EndsWith(".bicepparam", StringComparison.Ordinal)))
        {
            var (exitCode, stdout, stderr) = await BicepAsync("build-params", parameters, "--stdout");
            Assert.True(exitCode == 0 && stderr.Trim().Length == 0, $"{Path.GetRelativePath(Infra, parameters)}: {stderr}");
            // Each environment's file names itself: dev.bicepparam deploys environment "dev".
            using var built = JsonDocument.Parse(stdout);
            using var values = JsonDocument.Parse(built.RootElement.GetProperty("parametersJson").GetString()!);
            Assert.Equal(Path.GetFileNameWithoutExtension(parameters),
                values.RootElement.GetProperty("parameters").GetProperty("environmentName").GetProperty("value").GetString());
        }
    }

    [Fact]
    public async Task MainBicep_Compiled_HostAnchorsTreeHeadsInTheAnchorsContainerWithItsIdentity()
    {
        var template = (await Compiled.Value).RootElement;
        var app = Module(template, "app");
        var settings = Assert.Single(app.Resources, r => Type(r) == "Microsoft.Web/sites/config").GetProperty("properties").GetString()!;
        Assert.Contains("'AgentOps__Evidence__AnchorContainerUrl', parameters('anchorContainerUrl')", settings, StringComparison.Ordinal);
        Assert.Contains("'AgentOps__Evidence__AnchorClientId', parameters('hostClientId')", settings, StringComparison.Ordinal);

        // The URL is the anchors module's container, the one the host identity may add blobs to and nothing more.
        var url = app.Parameters.GetProperty("anchorContainerUrl").GetProperty("value").GetString()!;
        Assert.Contains("'anchors'", url, StringComparison.Ordinal);
        Assert.Contains("outputs.containerUrl.value", url, StringComparison.Ordinal);
        var output = Module(template, "anchors").Template.GetProperty("outputs").GetProperty("containerUrl").GetProperty("value").GetString()!;
        Assert.Contains("primaryEndpoints.blob", output, StringComparison.Ordinal);
    }

    private const string StandInSecret = "bm90LWEtcmVhbC1zZWNyZXQtb25seS1mb3ItdGhlLXRlc3Q=";

    [GeneratedRegex(@"^\[parameters\('(\w+)'\)\]$")]
    private static partial Regex PrincipalParameter();

    private static Core.Model.IdentityCatalogue Catalogue() =>
        WorkflowLoader.LoadCatalogue(Path.Combine(RepoPaths.Root, "workflows", "identities.yaml")).Catalogue;

    private static string? Type(JsonElement resource) => resource.GetProperty("type").GetString();

    private sealed record ModuleTemplate(string Name, JsonElement Template, JsonElement Parameters)
    {
        public IEnumerable<JsonElement> Resources => Template.GetProperty("resources").EnumerateArray();
    }

    /// <summary>The template itself and every deployment nested in it, at any depth.</summary>
    private static IEnumerable<ModuleTemplate> Deployments(ModuleTemplate template) =>
        Modules(template.Template).SelectMany(Deployments).Prepend(template);

    private static IEnumerable<ModuleTemplate> Modules(JsonElement template) =>
        template.GetProperty("resources").EnumerateArray()
            .Where(r => Type(r) == "Microsoft.Resources/deployments")
            .Select(r => new ModuleTemplate(r.GetProperty("name").GetString()!, r.GetProperty("properties").GetProperty("template"), r.GetProperty("properties").GetProperty("parameters")));

    private static ModuleTemplate Module(JsonElement template, string name) => Assert.Single(Modules(template), m => m.Name == name);

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
        // What the parameter files read from the deploying shell (docs/DEPLOY.md); stand-in values, never real ones.
        info.Environment["AGENTOPS_PAGES_CLIENT_ID"] = "00000000-0000-4000-8000-000000000001";
        info.Environment["AGENTOPS_LINK_SIGNING_KEY"] = StandInSecret;
        info.Environment["AGENTOPS_EVIDENCE_VAULT_KEY"] = StandInSecret;
        info.Environment["AGENTOPS_WRITE_INTENT_KEY"] = StandInSecret;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex(@"variables\('([A-Za-z]+)'\)")]
    private static partial Regex RoleVariable();
}
