using IntegrationHub.Members;
using Xunit;

namespace IntegrationHub.Tests.Members;

public sealed class MemberFieldsValidatorTests
{
    private const string Nbsp = "\u00A0";

    [Fact]
    public void Validate_ElectronicMember_TrimsAndNormalisesEveryField()
    {
        var fields = MemberFieldsValidator.Validate(
            "  Jeanne ", " Dupont-Leroy ", " Jeanne.Dupont@Mairie-Exemple.FR ", "06 12 34 56 78", " JDupont@Commune.fr ", null, null,
            out var errors);

        Assert.Empty(errors);
        Assert.Equal(
            new MemberFields("Jeanne", "Dupont-Leroy", "jeanne.dupont@mairie-exemple.fr", "+33612345678", "jdupont@commune.fr", DeliveryPreference.Electronic, null),
            fields);
    }

    [Theory]
    [InlineData("+33612345678", "+33612345678")]
    [InlineData("06 12 34 56 78", "+33612345678")]
    [InlineData("06.12.34.56.78", "+33612345678")]
    [InlineData("06-12-34-56-78", "+33612345678")]
    [InlineData("0033 6 12 34 56 78", "+33612345678")]
    [InlineData("+33 (0)6 12 34 56 78", "+33612345678")]
    [InlineData("+33 06 12 34 56 78", "+33612345678")]
    [InlineData("07\u00A012\u00A034\u00A056\u00A078", "+33712345678")]
    [InlineData("0692 12 34 56", "+262692123456")]
    [InlineData("0696 12 34 56", "+596696123456")]
    [InlineData("+44 7911 123456", "+447911123456")]
    public void Validate_MobileInAcceptedNotation_IsNormalisedToE164(string mobile, string expected)
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "jeanne@mairie.fr", mobile, null, null, null, out var errors);

        Assert.Empty(errors);
        Assert.Equal(expected, fields!.Mobile);
    }

    [Theory]
    [InlineData("06 12 34 56")]
    [InlineData("06 12 34 56 78 90")]
    [InlineData("612345678")]
    [InlineData("O6 12 34 56 78")]
    [InlineData("06 12 34 56 7a")]
    [InlineData("+33 6 12 34 56")]
    [InlineData("+0612345678")]
    [InlineData("+1234567")]
    [InlineData("+1234567890123456")]
    [InlineData("0012 34")]
    [InlineData("portable")]
    public void Validate_InvalidMobile_ExplainsTheInternationalFormat(string mobile)
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "jeanne@mairie.fr", mobile, null, null, null, out var errors);

        Assert.Null(fields);
        var error = Assert.Single(errors);
        Assert.Equal("mobile", error.Field);
        Assert.Equal(
            $"Le numéro de portable «{Nbsp}{mobile}{Nbsp}» n'est pas valide{Nbsp}: indiquez-le au format international, par exemple +33612345678.",
            error.Message);
    }

    [Fact]
    public void Validate_NoMobile_IsAccepted()
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "jeanne@mairie.fr", "  ", null, null, null, out var errors);

        Assert.Empty(errors);
        Assert.Null(fields!.Mobile);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("electronic")]
    [InlineData("Electronic")]
    public void Validate_ElectronicWithoutEmail_RequiresEmailCitingTheLaw(string? delivery)
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "  ", null, null, delivery, null, out var errors);

        Assert.Null(fields);
        var error = Assert.Single(errors);
        Assert.Equal("email", error.Field);
        Assert.Contains("obligatoire", error.Message, StringComparison.Ordinal);
        Assert.Contains("L2121-10", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jeanne")]
    [InlineData("jeanne@mairie")]
    [InlineData("jeanne@@mairie.fr")]
    [InlineData("jeanne@mairie@commune.fr")]
    [InlineData("Jeanne Dupont <jeanne@mairie.fr>")]
    [InlineData("jeanne dupont@mairie.fr")]
    [InlineData("jeanne@mairie.fr.")]
    [InlineData("jeanne@.fr")]
    [InlineData("jeanne@mairie..fr")]
    [InlineData("@mairie.fr")]
    public void Validate_MalformedEmail_IsRejected(string email)
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", email, null, null, null, null, out var errors);

        Assert.Null(fields);
        var error = Assert.Single(errors);
        Assert.Equal("email", error.Field);
        Assert.Equal($"L'adresse électronique «{Nbsp}{email}{Nbsp}» n'est pas valide.", error.Message);
    }

    [Fact]
    public void Validate_MissingNames_ReportsBothInFieldOrder()
    {
        var fields = MemberFieldsValidator.Validate(" ", null, "jeanne@mairie.fr", null, null, null, null, out var errors);

        Assert.Null(fields);
        Assert.Equal(
            [new FieldError("firstName", "Le prénom est obligatoire."), new FieldError("lastName", "Le nom est obligatoire.")],
            errors);
    }

    [Fact]
    public void Validate_NameLongerThanLimit_IsRejected()
    {
        var fields = MemberFieldsValidator.Validate(
            new string('a', MemberFieldsValidator.MaxNameLength + 1), "Dupont", "jeanne@mairie.fr", null, null, null, null, out var errors);

        Assert.Null(fields);
        Assert.Equal("firstName", Assert.Single(errors).Field);
    }

    [Fact]
    public void Validate_PaperWithoutRequestDate_ExplainsTheWrittenRequestRule()
    {
        var fields = MemberFieldsValidator.Validate("Paul", "Martin", null, null, null, "paper", null, out var errors);

        Assert.Null(fields);
        var error = Assert.Single(errors);
        Assert.Equal("paperRequestedOn", error.Field);
        Assert.Contains("demandé par écrit", error.Message, StringComparison.Ordinal);
        Assert.Contains("L2121-10", error.Message, StringComparison.Ordinal);
        Assert.Contains("2019-1461", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2024-01-15")]
    [InlineData("15/01/2024")]
    [InlineData(" 15/1/2024 ")]
    public void Validate_PaperWithRequestDate_NeedsNoEmail(string requestedOn)
    {
        var fields = MemberFieldsValidator.Validate("Paul", "Martin", null, null, null, "PAPER", requestedOn, out var errors);

        Assert.Empty(errors);
        Assert.Equal(new MemberFields("Paul", "Martin", null, null, null, DeliveryPreference.Paper, new DateOnly(2024, 1, 15)), fields);
    }

    [Theory]
    [InlineData("31/02/2024")]
    [InlineData("2024-13-01")]
    [InlineData("hier")]
    public void Validate_PaperWithInvalidRequestDate_IsRejected(string requestedOn)
    {
        var fields = MemberFieldsValidator.Validate("Paul", "Martin", null, null, null, "paper", requestedOn, out var errors);

        Assert.Null(fields);
        var error = Assert.Single(errors);
        Assert.Equal("paperRequestedOn", error.Field);
        Assert.Contains($"«{Nbsp}{requestedOn}{Nbsp}»", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ElectronicWithRequestDate_DropsTheDate()
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "jeanne@mairie.fr", null, null, "electronic", "2024-01-15", out var errors);

        Assert.Empty(errors);
        Assert.Null(fields!.PaperRequestedOn);
    }

    [Fact]
    public void Validate_UnknownDelivery_NamesTheAcceptedValues()
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "jeanne@mairie.fr", null, null, "fax", null, out var errors);

        Assert.Null(fields);
        var error = Assert.Single(errors);
        Assert.Equal("delivery", error.Field);
        Assert.Contains($"«{Nbsp}fax{Nbsp}»", error.Message, StringComparison.Ordinal);
        Assert.Contains("paper", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jdupont")]
    [InlineData("j dupont@commune.fr")]
    [InlineData("j@dupont@commune.fr")]
    [InlineData("jdupont@commune")]
    public void Validate_MalformedUpn_IsRejected(string upn)
    {
        var fields = MemberFieldsValidator.Validate("Jeanne", "Dupont", "jeanne@mairie.fr", null, upn, null, null, out var errors);

        Assert.Null(fields);
        Assert.Equal("m365Upn", Assert.Single(errors).Field);
    }

    [Fact]
    public void Validate_SeveralProblems_AreAllReported()
    {
        var fields = MemberFieldsValidator.Validate("", "Dupont", "pas-une-adresse", "12", "upn", null, null, out var errors);

        Assert.Null(fields);
        Assert.Equal(["firstName", "email", "mobile", "m365Upn"], errors.Select(error => error.Field));
    }
}
