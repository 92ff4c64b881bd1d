namespace DurableAgentOps.Cli.Tests;

/// <summary>The evidence commands' usage errors: each names what is wrong and exits non-zero before any request.</summary>
public sealed class EvidenceCommandTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("agentops-evidence-cli-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData("verify")]
    [InlineData("verify run-1 --all")]
    [InlineData("verify --all --bundle x.json")]
    public void Verify_NoneOrSeveralOfRunAllAndBundle_ExitsTwoSayingWhich(string commandLine)
    {
        var result = CliRunner.InProcess(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("agentops verify: give one of: a run id, --all, or --bundle <file>\n", result.Error);
    }

    [Theory]
    [InlineData("verify run-1 --limit 5", "agentops verify: --limit and --next go with --all\n")]
    [InlineData("verify --all --limit 0", "agentops verify: --limit takes a number of runs from 1, --next a position from 0 (with --limit)\n")]
    [InlineData("verify --all --next 5", "agentops verify: --limit takes a number of runs from 1, --next a position from 0 (with --limit)\n")]
    public void Verify_LimitOrNextOutOfPlace_ExitsTwoSayingWhy(string commandLine, string expected)
    {
        var result = CliRunner.InProcess(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.Error);
    }

    [Theory]
    [InlineData("verify run-1 --against head.json")]
    [InlineData("verify --all --limit 5 --against head.json")]
    public void Verify_AgainstWithoutTheWholeLog_ExitsTwoSayingItGoesWithAll(string commandLine)
    {
        var result = CliRunner.InProcess(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("agentops verify: --against goes with --all (the whole log: a consistency proof covers every leaf)\n", result.Error);
    }

    [Fact]
    public void Verify_AgainstAFileThatIsNoKeptHead_ExitsTwoNamingTheFileBeforeAnyRequest()
    {
        var path = Path.Combine(directory, "head.json");
        File.WriteAllText(path, "{\"format\":\"durableagentops-tree-head/1\"}\n");

        var result = CliRunner.InProcess("verify", "--all", "--against", path, "--host", "http://127.0.0.1:9");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"agentops verify: --against: {path} is not a kept signed tree head ('agentops evidence head --out' writes one): kept tree head lacks 'keyId'",
            result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void EvidenceHead_OutputExistsWithoutForce_ExitsTwoAndKeepsTheFile()
    {
        var path = Path.Combine(directory, "head.json");
        File.WriteAllText(path, "kept");

        var result = CliRunner.InProcess("evidence", "head", "--out", path, "--host", "http://127.0.0.1:9");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentops evidence head: {path} exists; pass --force to replace it\n", result.Error);
        Assert.Equal("kept", File.ReadAllText(path));
    }

    [Fact]
    public void Runs_NextThatIsNoToken_ExitsTwoBeforeAnyRequest()
    {
        var result = CliRunner.InProcess("runs", "--next", "r1.a/b", "--host", "http://127.0.0.1:9");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("agentops runs: --next takes the token a previous page printed, as it was printed\n", result.Error);
    }

    [Fact]
    public void Verify_BundleFileMissing_ExitsTwoNamingTheFile()
    {
        var path = Path.Combine(directory, "nothing.json");

        var result = CliRunner.InProcess("verify", "--bundle", path);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"agentops verify: cannot read the bundle {path}:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NotABundle_IsBrokenWithTheReason()
    {
        var path = Path.Combine(directory, "not-a-bundle.json");
        File.WriteAllText(path, "{\"hello\":1}\n");

        var result = CliRunner.InProcess("verify", "--bundle", path);

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"bundle {path}: BROKEN — not an evidence bundle:", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PublicKeyFileNotAKey_ExitsTwoNamingTheFile()
    {
        var key = Path.Combine(directory, "key.pem");
        File.WriteAllText(key, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");

        var result = CliRunner.InProcess("verify", "--bundle", Path.Combine(directory, "b.json"), "--public-key", key);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"agentops verify: --public-key: {key} is not an ECDSA P-256 public key in PEM", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_OutputExistsWithoutForce_ExitsTwoAndKeepsTheFile()
    {
        var path = Path.Combine(directory, "run-1.evidence.json");
        File.WriteAllText(path, "kept");

        var result = CliRunner.InProcess("export", "run-1", "--output", path);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"agentops export: {path} exists; pass --force to replace it\n", result.Error);
        Assert.Equal("kept", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("purge")]
    [InlineData("purge run-1 --expired")]
    public void Purge_NeitherOrBothOfRunAndExpired_ExitsTwo(string commandLine)
    {
        var result = CliRunner.InProcess(commandLine.Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("agentops purge: give a run id or --expired (not both)\n", result.Error);
    }

    [Theory]
    [InlineData("runs", "--wrote")]
    [InlineData("verify", "--public-key")]
    [InlineData("export", "--output")]
    [InlineData("purge", "--dry-run")]
    public void Help_EvidenceCommand_PrintsItsOptions(string command, string option)
    {
        var result = CliRunner.InProcess(command, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(option, result.Out, StringComparison.Ordinal);
    }
}
