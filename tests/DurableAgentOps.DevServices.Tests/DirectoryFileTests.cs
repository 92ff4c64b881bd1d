using System.Net;
using DurableAgentOps.DevServices.Shared;
using DurableAgentOps.DevServices.Tests.Infrastructure;

namespace DurableAgentOps.DevServices.Tests;

/// <summary>directory.yaml: the shipped one loads; a broken one stops the start, naming file, line and problem.</summary>
[Collection(DevServicesCollection.Name)]
public sealed class DirectoryFileTests(DevServicesFixture services)
{
    private const string Valid = """
        tenantId: 7d3e5c1a-0000-4000-8000-0000000000d0
        people:
          alice@contoso.example:
            id: 0e000001-0000-4000-8000-000000000001
            name: Alice Martin
            roles: [AgentOps.Starter]
            groups: [emea-sales]
        clients:
          agentops-cli:
            description: the CLI
        """;

    [Fact]
    public void ShippedDirectory_PeopleIdsAndGroups_AreTheDocumentedOnes()
    {
        var directory = services.Host.Service<People.DevDirectory>();

        Assert.Equal("7d3e5c1a-0000-4000-8000-0000000000d0", directory.TenantId);
        Assert.Equal(18, directory.People.Count);
        Assert.All(directory.People.Select((p, i) => (p, i)), x => Assert.Equal($"0e000001-0000-4000-8000-0000000000{x.i + 1:00}", x.p.Id));
        Assert.Equal(["agentops-cli", "agentops-host"], directory.Clients.Select(c => c.ClientId));
        Assert.Equal("\u0430na.silva@contoso.example", directory.People[^1].UserPrincipalName);
        Assert.Empty(directory.People[^1].Roles);
        Assert.Empty(directory.People[^1].Groups);
        Assert.Equal(["emea-sales", "emea-sales-managers"], directory.FindPerson("ana.silva@contoso.example")!.Groups.Select(g => g.Name));
    }

    [Fact]
    public void Docs_PeopleTable_MatchesTheShippedDirectory()
    {
        var directory = services.Host.Service<People.DevDirectory>();
        var rows = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "docs", "DEVSERVICES.md"))
            .Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\| \d\d \| `"))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .ToList();

        Assert.Equal(directory.People.Count, rows.Count);
        foreach (var (row, person) in rows.Zip(directory.People))
        {
            Assert.Equal(person.Id[^2..], row[1]);
            Assert.Equal(person.UserPrincipalName, row[2].Split('`')[1]);
            Assert.Equal(person.Name, row[3]);
            Assert.Equal(string.Join(", ", person.Roles), row[4]);
            Assert.Equal(string.Join(", ", person.Groups.Select(g => g.Name)), row[5]);
        }
    }

    [Theory]
    [InlineData("groups: [emea-sales]", "groups: [emea-salez]", 7, "person 'alice@contoso.example' is in group 'emea-salez', which the catalogue")]
    [InlineData("id: 0e000001-0000-4000-8000-000000000001", "id: alice", 4, "person 'alice@contoso.example': id must be a GUID")]
    [InlineData("    roles: [AgentOps.Starter]", "    role: [AgentOps.Starter]", 6, "unknown key 'role'")]
    [InlineData("    roles: [AgentOps.Starter]", "    roles: AgentOps.Starter", 6, "roles must be a list")]
    [InlineData("tenantId: 7d3e5c1a-0000-4000-8000-0000000000d0", "tenant: x", 1, "unknown key 'tenant'")]
    [InlineData("  alice@contoso.example:", "  alice at contoso:", 3, "a user principal name is name@domain")]
    [InlineData("    name: Alice Martin", "    name: [Alice, Martin]", 5, "name must be a non-empty text")]
    [InlineData("    description: the CLI", "    redirectUris: ['http://127.0.0.1/cb#top']", 10, "must be an absolute http(s) URL without a fragment")]
    [InlineData("    name: Alice Martin", "    name: Alice: Martin", 5, "YAML error")]
    [InlineData("  agentops-cli:", "  agentops-cli:\n    description: one\n  agentops-cli:", 11, "YAML error: Duplicate key")]
    public async Task Start_BrokenDirectory_FailsWithExitCode2NamingFileLineAndProblem(string find, string replace, int line, string problem)
    {
        var file = await WriteDirectoryAsync(Valid.Replace(find, replace, StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => StartAsync(file));

        Assert.Equal(DevServicesStartupException.ConfigurationExitCode, error.ExitCode);
        Assert.Contains($"dev directory {file} is unusable: {file}:{line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("clientId: 6f1c0a10-0000-4000-8000-0000000000a1", "clientId: api", 13, "delegating app 'api': clientId must be a GUID")]
    [InlineData("federatedIdentity: 6f1c0a10-0000-4000-8000-0000000000a2", "federatedIdentity: 6f1c0a10-0000-4000-8000-0000000000a1", 15, "federatedIdentity must be a managed identity, not the app's own client id")]
    [InlineData("    identifierUri: api://durableagentops\n", "", 13, "needs a clientId, an identifierUri and a federatedIdentity")]
    [InlineData("[calls.read]", "[crm/calls.read]", 17, "must list permission names (calls.read), without '/', spaces or .default")]
    [InlineData("    permissions:", "    scopes:", 16, "unknown key 'scopes'")]
    public async Task Start_BrokenDelegatingApp_FailsNamingLineAndProblem(string find, string replace, int line, string problem)
    {
        var text = Valid + "\n" + """
            delegatingApps:
              api:
                clientId: 6f1c0a10-0000-4000-8000-0000000000a1
                identifierUri: api://durableagentops
                federatedIdentity: 6f1c0a10-0000-4000-8000-0000000000a2
                permissions:
                  api://durableagentops/crm: [calls.read]
            """;
        var file = await WriteDirectoryAsync(text.Replace(find.Replace("\\n", "\n", StringComparison.Ordinal), replace, StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => StartAsync(file));

        Assert.Contains($"{file}:{line}:", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ShippedDirectory_DelegatingApp_IsTheHostApiWithItsFederatedIdentityAndConsentedPermissions()
    {
        var app = Assert.Single(services.Host.Service<People.DevDirectory>().DelegatingApps);

        Assert.Equal(("agentops-api", "6f1c0a10-0000-4000-8000-0000000000a1", "api://durableagentops", "6f1c0a10-0000-4000-8000-0000000000a2"), (app.Name, app.ClientId, app.IdentifierUri, app.FederatedIdentity));
        Assert.Equal(["calls.read", "notes.create"], app.Permissions["api://durableagentops/crm"]);
    }

    [Fact]
    public async Task Start_UnclosedFlowList_FailsNamingTheFile()
    {
        var file = await WriteDirectoryAsync(Valid.Replace("groups: [emea-sales]", "groups: [emea-sales\n  - broken", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => StartAsync(file));

        Assert.Equal(DevServicesStartupException.ConfigurationExitCode, error.ExitCode);
        Assert.Contains($"{file}: YAML error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SamePersonTwiceInAnotherCaseAndSameId_ReportsBoth()
    {
        var file = await WriteDirectoryAsync(Valid.Replace("clients:", """
              ALICE@contoso.example:
                id: 0e000001-0000-4000-8000-000000000001
                name: Alice Again
            clients:
            """, StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => StartAsync(file));

        Assert.Contains($"{file}:8:3: person 'ALICE@contoso.example' is listed twice", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{file}:9:9: person 'ALICE@contoso.example': id 0e000001-0000-4000-8000-000000000001 is another person's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_NoPeopleNoClientsNoTenant_ReportsEachMissingPart()
    {
        var file = await WriteDirectoryAsync("people: {}\nclients: {}\n");

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => StartAsync(file));

        Assert.Contains("tenantId is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("people must list at least one person", error.Message, StringComparison.Ordinal);
        Assert.Contains("clients must list at least one client", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingDirectory_FailsNamingThePathAndTheSetting()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}", "directory.yaml");

        var error = await Assert.ThrowsAsync<DevServicesStartupException>(() => StartAsync(missing));

        Assert.Equal(2, error.ExitCode);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("DevServices:Directory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProcessWithBrokenDirectory_ExitsWithCode2AndOneLinePerStart()
    {
        var file = await WriteDirectoryAsync(Valid.Replace("[emea-sales]", "[nobody-group]", StringComparison.Ordinal));

        var exit = await DevServicesProcess.RunUntilExitAsync(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = services.Tables.ConnectionString,
            ["DevServices__Directory"] = file,
        });

        Assert.True(exit.ExitCode == 2, $"exit code {exit.ExitCode}; stderr: {exit.Error}");
        Assert.Contains($"DurableAgentOps.DevServices: cannot start: dev directory {file} is unusable: {file}:7:", exit.Error, StringComparison.Ordinal);
        Assert.Contains("'nobody-group'", exit.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exit.Output + exit.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authorize_DirectoryWithMarkupInNamesAndRoles_PageShowsThemAsText()
    {
        const string name = "<img src=x onerror=alert(1)> Eve & \"Co\"";
        var file = await WriteDirectoryAsync(Valid
            .Replace("name: Alice Martin", "name: '<img src=x onerror=alert(1)> Eve & \"Co\"'", StringComparison.Ordinal)
            .Replace("[AgentOps.Starter]", "['<script>x</script>']", StringComparison.Ordinal));
        await using var host = await StartAsync(file);
        using var client = new SignInClient(host.BaseUrl);

        var page = await client.PageAsync(SignInClient.Request(PkcePair.Create()));

        Assert.Equal(HttpStatusCode.OK, page.Response.StatusCode);
        Assert.DoesNotContain("<img", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page.Html, StringComparison.Ordinal);
        Assert.Empty(page.Document.QuerySelectorAll("main img, script"));
        var button = Assert.Single(page.PersonButtons);
        Assert.Equal(name, button.QuerySelector(".name")!.TextContent);
        Assert.Equal("roles: <script>x</script>", button.QuerySelector(".roles")!.TextContent);
    }

    private Task<DevServicesHost> StartAsync(string directoryFile) => DevServicesHost.StartAsync(new Dictionary<string, string?>
    {
        ["AzureWebJobsStorage"] = services.Tables.ConnectionString,
        ["DevServices:Directory"] = directoryFile,
    });

    private static async Task<string> WriteDirectoryAsync(string yaml)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("devservices-directory-").FullName, "directory.yaml");
        await File.WriteAllTextAsync(file, yaml);
        return file;
    }
}
