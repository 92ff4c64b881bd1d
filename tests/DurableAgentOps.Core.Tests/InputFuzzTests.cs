using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DurableAgentOps.Core.Approvals;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Runs;

namespace DurableAgentOps.Core.Tests;

/// <summary>
/// Seeded random inputs from outside, 10,000 of each kind (FuzzTests mutates the shipped files): YAML written from
/// scratch for the loader, run inputs for the shipped workflows' input schemas, and approval link tokens, mutated and
/// validly signed. None throws; each answer is a finding, an input error or a link problem. A failure prints the seed,
/// the case number and the input, so it reproduces.
/// </summary>
public sealed class InputFuzzTests
{
    private const int Seed = 20260414;
    private const int Cases = 10_000;

    private static readonly string[] YamlKeys =
    [
        "name", "description", "version", "input", "steps", "id", "kind", "identity", "scope", "operations", "fields", "gates", "gate",
        "approvers", "quorum", "timeout", "retry", "maxAttempts", "backoff", "route", "when", "then", "else", "evidence", "redact",
        "read", "write", "draft", "type", "required", "pattern", "maxLength", "system", "operation", "target", "with", "from", "to",
        "separationOfDuties", "escalation", "reminders", "identities", "clientIds", "objectIds", "grants", "local", "azure", "people", "groups",
    ];

    private static readonly string[] Scalars =
    [
        "", "~", "null", "true", "false", "yes", "0", "-1", "1e309", "0x1F", ".nan", "-.inf", "PT30S", "P1D", "PT", "P-1D", "crm", "crm.tasks.create",
        "crm-writer", "read", "write", "draft", "route", "string", "integer", "number", "boolean", "${input.accountId}", "${steps.x.output}", "${",
        "}", "input.accountId == 'x'", "(((", "a'b", "\"q\"", "é", "\u202e", "\U0001F600", "\\u0000", "2026-13-45", "- x", "key: value", "&a", "*a",
        "!!binary AAAA", "%TAG", "[", "{", "|", ">",
    ];

    [Fact]
    public void LoadValidate_TenThousandRandomYamlDocuments_NeverThrowAndAnswerWithFindings()
    {
        var random = new Random(Seed);
        var catalogue = WorkflowLoader.ParseCatalogue(TestFiles.Read(Path.Combine(TestFiles.Workflows, WorkflowLoader.CatalogueFileName)), "identities.yaml");
        var codes = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Cases; i++)
        {
            var text = random.Next(10) == 0 ? RandomText(random) : RandomYaml(random);
            try
            {
                var loaded = WorkflowLoader.Parse(text, "random.yaml", catalogue);
                var asCatalogue = WorkflowLoader.ParseCatalogue(text, "random.yaml");
                foreach (var finding in loaded.Findings.Concat(asCatalogue.Findings))
                {
                    Assert.Matches("^DAO[0-9]{3}$", finding.Code);
                    Assert.True(finding.Line >= 1 && finding.Column >= 1, $"{finding.Code} at {finding.Line}:{finding.Column}");
                    codes.Add(finding.Code);
                }

                // Random text is almost never a workflow; when it is not, it says why.
                Assert.True(loaded.HasErrors || loaded.Definition is not null, "neither a definition nor an error");
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"case {i} (seed {Seed}) threw {ex.GetType().Name}: {ex.Message}\n--- input ---\n{text}");
            }
        }

        Assert.True(codes.Count >= 10, $"only {codes.Count} distinct codes: {string.Join(", ", codes.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void ValidateRunInput_TenThousandRandomInputs_NeverThrowAndEveryErrorNamesADeclaredFieldOrTheWhole()
    {
        var random = new Random(Seed);
        var workflows = new[] { "crm-followup", "invoice-exceptions", "support-routing" }
            .Select(n => WorkflowLoader.Load(TestFiles.Workflow(n)).Definition!).ToArray();
        var accepted = 0;
        for (var i = 0; i < Cases; i++)
        {
            var workflow = workflows[random.Next(workflows.Length)];
            var json = RandomInputJson(random, workflow);
            JsonObject? input;
            try
            {
                input = JsonNode.Parse(Encoding.UTF8.GetBytes(json), documentOptions: new JsonDocumentOptions { MaxDepth = 64 }) as JsonObject;
            }
            catch (JsonException)
            {
                continue; // not JSON at all (or too deep): the HTTP body reader answers that with a 400 before the validator runs
            }

            try
            {
                var errors = RunInputValidator.Validate(workflow, input);
                var fields = workflow.Input.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var error in errors)
                {
                    Assert.False(string.IsNullOrWhiteSpace(error.Message));
                    // An undeclared field is named as sent, shortened (values and names are echoed only so far).
                    Assert.True(error.Field.Length == 0 || fields.Contains(error.Field) || input!.Any(p => p.Key == error.Field || p.Key.StartsWith(error.Field.TrimEnd('…'), StringComparison.Ordinal)
                        || error.Field.Contains('?', StringComparison.Ordinal)), $"error for '{error.Field}'");
                    Assert.True(error.Message.Length <= 400, $"a {error.Message.Length}-character message echoes too much");
                }

                accepted += errors.Count == 0 ? 1 : 0;
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"case {i} (seed {Seed}) threw {ex.GetType().Name}: {ex.Message}\n--- input ---\n{json}");
            }
        }

        // The generator must reach both answers, or the test proves little.
        Assert.InRange(accepted, 100, Cases - 1000);
    }

    [Fact]
    public void VerifyLinkToken_TenThousandMutatedAndForeignSignedTokens_NeverThrowAndOnlyTheUntouchedOneIsValid()
    {
        var random = new Random(Seed);
        var key = new byte[32];
        random.NextBytes(key);
        var signer = new ApprovalLinkSigner(key);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var good = new ApprovalLinkClaims("crm-followup-0123456789ab", "manager-review", "create-task", "0e000001-0000-4000-8000-000000000002", "email",
            new string('a', 64), "link-" + random.Next(), now.AddDays(1).ToUnixTimeSeconds());
        var token = signer.Sign(good);
        var problems = new Dictionary<LinkProblem, int>();
        for (var i = 0; i < Cases; i++)
        {
            // A third are validly signed claims of any shape (what a key holder could sign); the rest mutate a good token.
            var signedShape = random.Next(3) == 0;
            var candidate = signedShape ? SignRaw(key, RandomClaimsJson(random)) : MutateToken(token, random);
            try
            {
                var problem = signer.Verify(candidate, now, out var claims);
                problems[problem] = problems.GetValueOrDefault(problem) + 1;
                if (problem == LinkProblem.None)
                {
                    Assert.NotNull(claims);
                    Assert.True(candidate == token || signedShape, "a mutated token verified");
                    Assert.Matches("^[A-Za-z0-9._:-]{1,100}$", claims!.RunId);
                    Assert.Matches("^[A-Za-z0-9._:-]{1,100}$", claims.LinkId);
                }
                else if (problem != LinkProblem.Expired)
                {
                    Assert.Null(claims);
                }
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException)
            {
                Assert.Fail($"case {i} (seed {Seed}) threw {ex.GetType().Name}: {ex.Message}\n--- token ---\n{candidate}");
            }
        }

        Assert.True(problems.GetValueOrDefault(LinkProblem.Malformed) > 1000 && problems.GetValueOrDefault(LinkProblem.Tampered) > 1000,
            string.Join(", ", problems.Select(p => $"{p.Key}×{p.Value}")));
    }

    /// <summary>A YAML document from scratch: nested mappings and sequences, block and flow, with anchors, aliases, tags and odd scalars.</summary>
    private static string RandomYaml(Random random)
    {
        var text = new StringBuilder();
        if (random.Next(20) == 0)
        {
            text.Append("%YAML 1.2\n---\n");
        }

        WriteMapping(text, random, 0, random.Next(1, 8));
        if (random.Next(15) == 0)
        {
            text.Append("---\n");
            WriteMapping(text, random, 0, 2);
        }

        return text.ToString();
    }

    private static void WriteMapping(StringBuilder text, Random random, int depth, int count)
    {
        for (var k = 0; k < count; k++)
        {
            text.Append(' ', depth * 2).Append(Key(random)).Append(':');
            WriteValue(text, random, depth + 1);
        }
    }

    private static void WriteValue(StringBuilder text, Random random, int depth)
    {
        var roll = depth > 6 ? random.Next(3) : random.Next(8);
        switch (roll)
        {
            case 0:
            case 1:
                text.Append(' ').Append(Scalar(random)).Append('\n');
                break;
            case 2:
                text.Append(" [").Append(string.Join(", ", Enumerable.Range(0, random.Next(4)).Select(_ => Scalar(random)))).Append("]\n");
                break;
            case 3:
                text.Append('\n');
                WriteMapping(text, random, depth, random.Next(1, 5));
                break;
            case 4:
                text.Append('\n');
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    text.Append(' ', depth * 2).Append("- ");
                    if (random.Next(2) == 0)
                    {
                        text.Append(Scalar(random)).Append('\n');
                    }
                    else
                    {
                        text.Append(Key(random)).Append(':');
                        WriteValue(text, random, depth + 2);
                    }
                }

                break;
            case 5:
                text.Append(" &a").Append(random.Next(3)).Append('\n');
                WriteMapping(text, random, depth, random.Next(1, 3));
                break;
            case 6:
                text.Append(" *a").Append(random.Next(3)).Append('\n');
                break;
            default:
                text.Append(" {").Append(string.Join(", ", Enumerable.Range(0, random.Next(3)).Select(_ => $"{Key(random)}: {Scalar(random)}"))).Append("}\n");
                break;
        }
    }

    private static string Key(Random random) => random.Next(12) == 0 ? Scalar(random) is { Length: > 0 } s ? s : "k" : YamlKeys[random.Next(YamlKeys.Length)];

    private static string Scalar(Random random) => random.Next(6) switch
    {
        0 => random.Next(-1000, 100000).ToString(CultureInfo.InvariantCulture),
        1 => new string('x', random.Next(0, 5000)),
        2 => "'" + Scalars[random.Next(Scalars.Length)].Replace("'", "''", StringComparison.Ordinal) + "'",
        _ => Scalars[random.Next(Scalars.Length)],
    };

    /// <summary>Characters with no structure at all, control characters and lone surrogates included.</summary>
    private static string RandomText(Random random) =>
        new([.. Enumerable.Range(0, random.Next(0, 400)).Select(_ => random.Next(4) == 0 ? (char)random.Next(0, 0xFFFF) : (char)random.Next(0x09, 0x7F))]);

    /// <summary>A JSON object: mostly the workflow's own fields with values of every JSON type and size, sometimes undeclared ones, sometimes not JSON.</summary>
    private static string RandomInputJson(Random random, WorkflowDefinition workflow)
    {
        if (random.Next(25) == 0)
        {
            return random.Next(3) switch { 0 => "[]", 1 => new string('[', 200) + new string(']', 200), _ => RandomText(random) };
        }

        var input = new JsonObject();
        foreach (var field in workflow.Input)
        {
            if (random.Next(5) != 0)
            {
                input[field.Name] = RandomJsonValue(random, field);
            }
        }

        for (var extra = random.Next(8) == 0 ? random.Next(1, 4) : 0; extra > 0; extra--)
        {
            input[Key(random) + random.Next(100)] = JsonValue.Create(Scalar(random));
        }

        return input.ToJsonString();
    }

    private static JsonNode? RandomJsonValue(Random random, InputField field) => random.Next(16) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next()),
        2 => JsonValue.Create(random.NextDouble() * 1e300),
        3 => JsonValue.Create(random.Next(2) == 0),
        4 => new JsonArray(JsonValue.Create("x")),
        5 => new JsonObject { ["nested"] = JsonValue.Create(1) },
        6 => JsonValue.Create(new string('9', random.Next(0, 20000))),
        7 => JsonValue.Create(Scalars[random.Next(Scalars.Length)]),
        _ => JsonValue.Create(Plausible(random, field)),
    };

    /// <summary>A value shaped like the field's examples (ACC-000001, TCK-0000003 …) with as many digits as its pattern says, sometimes off.</summary>
    private static string Plausible(Random random, InputField field)
    {
        var prefix = field.Name.StartsWith("account", StringComparison.Ordinal) ? "ACC-" : field.Name.StartsWith("ticket", StringComparison.Ordinal) ? "TCK-"
            : field.Name.StartsWith("invoice", StringComparison.Ordinal) ? "INV-" : field.Name.StartsWith("call", StringComparison.Ordinal) ? "CALL-" : "X-";
        var declared = field.Pattern is { } pattern && System.Text.RegularExpressions.Regex.Match(pattern, @"\{(\d+)\}") is { Success: true } m
            ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 6;
        var digits = random.Next(3) == 0 ? random.Next(4, 11) : declared;
        var value = prefix + string.Concat(Enumerable.Range(0, digits).Select(_ => (char)('0' + random.Next(10))));
        return random.Next(4) == 0 ? value.Insert(random.Next(value.Length), ((char)random.Next(32, 127)).ToString()) : value;
    }

    private static string MutateToken(string token, Random random)
    {
        var chars = token.ToCharArray().ToList();
        switch (random.Next(8))
        {
            case 0:
                chars[random.Next(chars.Count)] = "AZaz09-_.=+/%"[random.Next(13)];
                break;
            case 1:
                chars.RemoveRange(random.Next(chars.Count), 1);
                break;
            case 2:
                chars.Insert(random.Next(chars.Count + 1), (char)random.Next(0, 0x3000));
                break;
            case 3:
                return token[..random.Next(token.Length)];
            case 4:
                return token + "." + token;
            case 5:
                return new string('A', random.Next(0, 3000));
            case 6:
                // Halves swapped: the nonce, ciphertext and tag each land where another part belongs.
                var half = token.Length / 2;
                return token[half..] + token[..half];
            default:
                return RandomText(random);
        }

        return new string([.. chars]);
    }

    /// <summary>Claims JSON of any shape: right and wrong types, missing and extra members, ids with characters no host issues, dates out of range.</summary>
    private static string RandomClaimsJson(Random random)
    {
        string Value() => random.Next(10) switch
        {
            0 => "null",
            1 => "123",
            2 => "\"\"",
            3 => "\"a/b#c?d\"",
            4 => JsonSerializer.Serialize(new string('r', random.Next(90, 3000))),
            5 => "[]",
            6 => "{}",
            7 => JsonSerializer.Serialize(RandomText(random)),
            _ => "\"run-1\"",
        };

        string Exp() => random.Next(6) switch
        {
            0 => "-1",
            1 => long.MaxValue.ToString(CultureInfo.InvariantCulture),
            2 => "253402300800",
            3 => "\"soon\"",
            4 => "1e30",
            _ => random.NextInt64(0, 4_000_000_000).ToString(CultureInfo.InvariantCulture),
        };

        var members = new List<string>();
        foreach (var name in new[] { "run", "gate", "step", "sub", "ch", "dig", "lid" })
        {
            if (random.Next(8) != 0)
            {
                members.Add($"\"{name}\":{Value()}");
            }
        }

        if (random.Next(8) != 0)
        {
            members.Add($"\"exp\":{Exp()}");
        }

        return random.Next(15) == 0 ? RandomText(random) : "{" + string.Join(",", members) + "}";
    }

    // In the earlier, readable format, which the signer still verifies until such links expire; the claims checks are the same for both.
    private static string SignRaw(byte[] key, string payloadText)
    {
        var payload = Encoding.UTF8.GetBytes(payloadText);
        return Base64Url(payload) + "." + Base64Url(System.Security.Cryptography.HMACSHA256.HashData(key, payload));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
