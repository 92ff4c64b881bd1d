using System.Text.Json.Nodes;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Runs;

namespace DurableAgentOps.Core.Tests;

public sealed class RunInputValidatorTests
{
    private static WorkflowDefinition Shipped(string name) => WorkflowLoader.Load(TestFiles.Workflow(name)).Definition!;

    /// <summary>crm-followup with one extra input field of the given type, to exercise every type the model allows.</summary>
    private static WorkflowDefinition WithField(string type, string? pattern = null, bool required = true, int? maxLength = null)
    {
        var crm = Shipped("crm-followup");
        return crm with { Input = [.. crm.Input, new InputField("extra", type, required, pattern, null, maxLength)] };
    }

    private static JsonObject Input(string json) => JsonNode.Parse(json)!.AsObject();

    private static IReadOnlyList<InputError> ValidateExtra(string type, string extraJson, string? pattern = null, int? maxLength = null) =>
        RunInputValidator.Validate(WithField(type, pattern, maxLength: maxLength), Input($$"""{"accountId":"ACC-000001","extra":{{extraJson}}}"""));

    private static string Quoted(string text) => JsonValue.Create(text).ToJsonString();

    [Fact]
    public void Validate_GoodInput_NoErrors()
    {
        var errors = RunInputValidator.Validate(Shipped("crm-followup"), Input("""{"accountId":"ACC-000001","callId":"CALL-00000042"}"""));

        Assert.Empty(errors);
    }

    [Fact]
    public void Validate_OptionalFieldOmitted_NoErrors()
    {
        Assert.Empty(RunInputValidator.Validate(Shipped("crm-followup"), Input("""{"accountId":"ACC-000001"}""")));
    }

    [Fact]
    public void Validate_RequiredFieldMissing_NamesFieldAndExpectation()
    {
        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), Input("{}")));

        Assert.Equal("accountId", error.Field);
        Assert.Equal("accountId is required: expected a string matching ^ACC-[0-9]{6}$, got nothing", error.Message);
    }

    [Fact]
    public void Validate_NullInput_ReportsEveryRequiredField()
    {
        var errors = RunInputValidator.Validate(Shipped("invoice-exceptions"), null);

        Assert.Equal(["invoiceId", "purchaseOrderId"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Validate_JsonNullForRequiredField_CountsAsMissing()
    {
        var error = Assert.Single(RunInputValidator.Validate(Shipped("support-routing"), Input("""{"ticketId":null}""")));

        Assert.Contains("is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_StringFieldGivenNumber_WrongTypeError()
    {
        var error = Assert.Single(RunInputValidator.Validate(Shipped("support-routing"), Input("""{"ticketId":1234567}""")));

        Assert.Equal("ticketId: expected a string matching ^TCK-[0-9]{7}$, got number 1234567", error.Message);
    }

    [Theory]
    [InlineData("42")]
    [InlineData("-7")]
    [InlineData("5.0")]
    public void Validate_IntegerFieldGivenWholeNumber_NoErrors(string value)
    {
        Assert.Empty(ValidateExtra("integer", value));
    }

    [Theory]
    [InlineData("1.5", "number 1.5")]
    [InlineData("\"5\"", "string '5'")]
    public void Validate_IntegerFieldGivenFractionOrText_WrongTypeError(string value, string got)
    {
        var error = Assert.Single(ValidateExtra("integer", value));

        Assert.Equal($"extra: expected an integer, got {got}", error.Message);
    }

    [Fact]
    public void Validate_NumberFieldGivenFraction_NoErrors()
    {
        Assert.Empty(ValidateExtra("number", "49999.99"));
    }

    [Fact]
    public void Validate_NumberFieldGivenText_WrongTypeError()
    {
        var error = Assert.Single(ValidateExtra("number", "\"12\""));

        Assert.Equal("extra: expected a number, got string '12'", error.Message);
    }

    [Fact]
    public void Validate_BooleanFieldGivenBoolean_NoErrors()
    {
        Assert.Empty(ValidateExtra("boolean", "false"));
    }

    [Fact]
    public void Validate_BooleanFieldGivenText_WrongTypeError()
    {
        var error = Assert.Single(ValidateExtra("boolean", "\"true\""));

        Assert.Equal("extra: expected a boolean, got string 'true'", error.Message);
    }

    [Theory]
    [InlineData("{\"a\":1}", "an object")]
    [InlineData("[1,2]", "an array")]
    public void Validate_StringFieldGivenStructure_DescribesKindWithoutEchoing(string value, string got)
    {
        var error = Assert.Single(ValidateExtra("string", value));

        Assert.Equal($"extra: expected a string, got {got}", error.Message);
    }

    [Fact]
    public void Validate_PatternMismatch_NamesPatternAndValue()
    {
        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), Input("""{"accountId":"ACC-12"}""")));

        Assert.Equal("accountId: expected a string matching ^ACC-[0-9]{6}$, got string 'ACC-12'", error.Message);
    }

    [Fact]
    public void Validate_AnchoredPatternValueWithTrailingNewline_Refused()
    {
        // '$' alone matches before a final newline; the pattern must match the whole value.
        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), Input("""{"accountId":"ACC-000001\n"}""")));

        Assert.Equal("accountId: expected a string matching ^ACC-[0-9]{6}$, got string 'ACC-000001?'", error.Message);
    }

    [Fact]
    public void Validate_UnanchoredPattern_MustMatchTheWholeValue()
    {
        var error = Assert.Single(ValidateExtra("string", "\"order 42 please\"", pattern: "[0-9]+"));

        Assert.Equal("extra: expected a string matching [0-9]+, got string 'order 42 please'", error.Message);
        Assert.Empty(ValidateExtra("string", "\"42\"", pattern: "[0-9]+"));
    }

    [Theory]
    [InlineData("\"ACC-1 or anything\"")]
    [InlineData("\"anything or CALL-1\"")]
    public void Validate_AlternationPattern_AnchoredAsAWhole(string value)
    {
        // Written ^A|B$, each branch would be anchored at one end only; wrapped, the whole alternation is anchored.
        Assert.Single(ValidateExtra("string", value, pattern: "^ACC-[0-9]|CALL-[0-9]$"));
    }

    [Fact]
    public void Validate_StringLongerThanDefaultMaxLength_NamesFieldAndLimit()
    {
        var error = Assert.Single(ValidateExtra("string", Quoted(new string('x', InputField.DefaultMaxLength + 1))));

        Assert.Equal("extra", error.Field);
        Assert.Equal("extra: expected at most 1000 characters, got 1001", error.Message);
    }

    [Fact]
    public void Validate_StringAtMaxLength_NoErrors()
    {
        Assert.Empty(ValidateExtra("string", Quoted(new string('x', InputField.DefaultMaxLength))));
    }

    [Fact]
    public void Validate_DeclaredMaxLength_IsTheLimit()
    {
        var error = Assert.Single(ValidateExtra("string", "\"abcdef\"", maxLength: 5));

        Assert.Equal("extra: expected at most 5 characters, got 6", error.Message);
    }

    [Fact]
    public void Validate_MaxLength_CountsCharactersNotUtf16Units()
    {
        // Five emoji are ten UTF-16 units but five characters.
        Assert.Empty(ValidateExtra("string", Quoted(string.Concat(Enumerable.Repeat("\U0001F600", 5))), maxLength: 5));
    }

    [Fact]
    public void Validate_TooLongValueWithPattern_ReportsLengthWithoutMatching()
    {
        var error = Assert.Single(ValidateExtra("string", Quoted(new string('a', 50)), pattern: "(a+)+b", maxLength: 10));

        Assert.Equal("extra: expected at most 10 characters, got 50", error.Message);
    }

    [Fact]
    public void Validate_InputOverByteLimit_OneErrorAboutTheWholeInput()
    {
        var input = Input($$"""{"accountId":"ACC-000001","a":{{Quoted(new string('x', 9000))}},"b":{{Quoted(new string('x', 9000))}}}""");
        var bytes = System.Text.Encoding.UTF8.GetByteCount(input.ToJsonString());

        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), input));

        Assert.Equal(string.Empty, error.Field);
        Assert.Equal($"input is {bytes} bytes; the limit is 16384", error.Message);
        Assert.Equal(16384, RunInputValidator.MaxInputBytes);
    }

    [Fact]
    public void Validate_InputExactlyAtByteLimit_IsJudgedFieldByField()
    {
        var prefix = """{"accountId":"ACC-000001","extra":""";
        var padding = RunInputValidator.MaxInputBytes - prefix.Length - 3; // the two quotes and the closing brace
        var input = Input(prefix + Quoted(new string('x', padding)) + "}");
        Assert.Equal(RunInputValidator.MaxInputBytes, System.Text.Encoding.UTF8.GetByteCount(input.ToJsonString()));

        var error = Assert.Single(RunInputValidator.Validate(WithField("string", maxLength: InputField.MaxMaxLength), input));

        Assert.Equal($"extra: expected at most 8000 characters, got {padding}", error.Message);
    }

    [Fact]
    public void Validate_PatternOnIntegerField_ChecksItsDigits()
    {
        var error = Assert.Single(ValidateExtra("integer", "123", pattern: "^[0-9]{4}$"));

        Assert.Equal("extra: expected an integer matching ^[0-9]{4}$, got number 123", error.Message);
    }

    [Fact]
    public void Validate_UnknownField_NamesItAndTheDeclaredFields()
    {
        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), Input("""{"accountId":"ACC-000001","acountId":"x"}""")));

        Assert.Equal("acountId", error.Field);
        Assert.Equal("acountId is not an input of crm-followup: expected one of accountId, callId", error.Message);
    }

    [Fact]
    public void Validate_LongValue_EchoesAtMostFortyCharacters()
    {
        var secret = new string('x', 35) + "SECRET-TAIL-THAT-MUST-NOT-APPEAR";

        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), Input($$"""{"accountId":"{{secret}}"}""")));

        Assert.Contains($"got string '{secret[..40]}…'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("MUST-NOT-APPEAR", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ControlCharactersInValue_ShownAsQuestionMarks()
    {
        var error = Assert.Single(RunInputValidator.Validate(Shipped("crm-followup"), Input("""{"accountId":"ACC\n000001"}""")));

        Assert.Contains("got string 'ACC?000001'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadFields_OneErrorPerField()
    {
        var errors = RunInputValidator.Validate(Shipped("invoice-exceptions"), Input("""{"invoiceId":"INV-1","purchaseOrderId":7,"note":"hi"}"""));

        Assert.Equal(["invoiceId", "purchaseOrderId", "note"], errors.Select(e => e.Field));
    }
}
