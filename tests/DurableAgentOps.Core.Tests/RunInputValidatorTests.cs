using System.Text.Json.Nodes;
using DurableAgentOps.Core.Loading;
using DurableAgentOps.Core.Model;
using DurableAgentOps.Core.Runs;

namespace DurableAgentOps.Core.Tests;

public sealed class RunInputValidatorTests
{
    private static WorkflowDefinition Shipped(string name) => WorkflowLoader.Load(TestFiles.Workflow(name)).Definition!;

    /// <summary>crm-followup with one extra input field of the given type, to exercise every type the model allows.</summary>
    private static WorkflowDefinition WithField(string type, string? pattern = null, bool required = true)
    {
        var crm = Shipped("crm-followup");
        return crm with { Input = [.. crm.Input, new InputField("extra", type, required, pattern, null)] };
    }

    private static JsonObject Input(string json) => JsonNode.Parse(json)!.AsObject();

    private static IReadOnlyList<InputError> ValidateExtra(string type, string extraJson, string? pattern = null) =>
        RunInputValidator.Validate(WithField(type, pattern), Input($$"""{"accountId":"ACC-000001","extra":{{extraJson}}}"""));

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
    public void Validate_UnanchoredPattern_MatchesAsWritten()
    {
        Assert.Empty(ValidateExtra("string", "\"order 42 please\"", pattern: "[0-9]+"));
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
