using System.Text;
using IntegrationHub.Members;
using IntegrationHub.Members.Import;
using Xunit;

namespace IntegrationHub.Tests.Members;

public sealed class MemberCsvParserTests
{
    private const string Nbsp = "\u00A0";

    [Fact]
    public void Parse_SemicolonsWithBomAndFrenchHeaders_ReadsEveryRow()
    {
        var csv = "Prénom;Nom;Courriel;Portable;Envoi;Demande papier\r\n"
            + "Jeanne;Dupont;Jeanne.Dupont@Mairie.fr;06 12 34 56 78;électronique;\r\n"
            + "Paul;Martin;;;Papier;15/01/2024\r\n";

        var result = MemberCsvParser.Parse(Utf8(csv, bom: true));

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                new MemberCsvRow(2, new MemberFields("Jeanne", "Dupont", "jeanne.dupont@mairie.fr", "+33612345678", null, DeliveryPreference.Electronic, null)),
                new MemberCsvRow(3, new MemberFields("Paul", "Martin", null, null, null, DeliveryPreference.Paper, new DateOnly(2024, 1, 15))),
            ],
            result.Rows);
    }

    [Fact]
    public void Parse_CommasWithoutBomAndApiHeaders_ReadsEveryRow()
    {
        var csv = "firstName,lastName,email,mobile,m365Upn,delivery,paperRequestedOn\n"
            + "Jeanne,Dupont,jeanne@mairie.fr,+33612345678,jdupont@commune.fr,electronic,\n"
            + "Paul,Martin,,,,paper,2024-01-15\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [
                new MemberCsvRow(2, new MemberFields("Jeanne", "Dupont", "jeanne@mairie.fr", "+33612345678", "jdupont@commune.fr", DeliveryPreference.Electronic, null)),
                new MemberCsvRow(3, new MemberFields("Paul", "Martin", null, null, null, DeliveryPreference.Paper, new DateOnly(2024, 1, 15))),
            ],
            result.Rows);
    }

    [Theory]
    [InlineData("PRENOM;NOM;MAIL")]
    [InlineData("prénom ; nom ; e-mail")]
    [InlineData("First_Name;Last name;EMAIL")]
    [InlineData("Fonction;Prénom;Commune;Nom;Courriel")]
    public void Parse_HeaderSpelling_IsMatchedIgnoringCaseAccentsAndUnknownColumns(string header)
    {
        var values = header.StartsWith("Fonction", StringComparison.Ordinal)
            ? "Maire;Jeanne;Exempleville;Dupont;jeanne@mairie.fr"
            : "Jeanne;Dupont;jeanne@mairie.fr";

        var result = MemberCsvParser.Parse(Utf8(header + "\n" + values + "\n"));

        var row = Assert.Single(result.Rows);
        Assert.Equal(("Jeanne", "Dupont", "jeanne@mairie.fr"), (row.Fields.FirstName, row.Fields.LastName, row.Fields.Email));
    }

    [Fact]
    public void Parse_QuotedFields_KeepSeparatorsDoubledQuotesAndLineBreaks()
    {
        var csv = "prénom;nom;courriel\r\n"
            + "\"Jean \"\"JJ\"\"\";\"Dupont; dit \"\"le Jeune\"\"\";jj@mairie.fr\r\n"
            + "\"Marie\r\nClaire\";Durand;mc@mairie.fr\r\n"
            + "Luc;Petit;luc@mairie.fr\r\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        Assert.Empty(result.Rejections);
        Assert.Equal(
            [(2, "Jean \"JJ\"", "Dupont; dit \"le Jeune\""), (3, "Marie\nClaire", "Durand"), (5, "Luc", "Petit")],
            result.Rows.Select(row => (row.LineNumber, row.Fields.FirstName, row.Fields.LastName)));
    }

    [Fact]
    public void Parse_BlankLines_AreSkippedAndLineNumbersStayPhysical()
    {
        var csv = "\n\nprénom,nom,courriel\n\n   \n,,\nJeanne,Dupont,jeanne@mairie.fr\n\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        Assert.Empty(result.Rejections);
        Assert.Equal(7, Assert.Single(result.Rows).LineNumber);
    }

    [Fact]
    public void Parse_InvalidMobile_RejectsThatLineOnly()
    {
        var csv = "prénom;nom;courriel;portable\nJeanne;Dupont;jeanne@mairie.fr;06 12\nPaul;Martin;paul@mairie.fr;07 12 34 56 78\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        Assert.Equal(3, Assert.Single(result.Rows).LineNumber);
        Assert.Equal(
            new MemberCsvRejection(
                2,
                $"Le numéro de portable «{Nbsp}06 12{Nbsp}» n'est pas valide{Nbsp}: indiquez-le au format international, par exemple +33612345678."),
            Assert.Single(result.Rejections));
    }

    [Fact]
    public void Parse_MissingEmailForElectronicDelivery_IsRejected()
    {
        var result = MemberCsvParser.Parse(Utf8("prénom;nom;courriel;envoi\nJeanne;Dupont;;électronique\n"));

        Assert.Empty(result.Rows);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.LineNumber);
        Assert.StartsWith("L'adresse électronique est obligatoire", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_PaperWithoutRequestDate_IsRejected()
    {
        var result = MemberCsvParser.Parse(Utf8("prénom;nom;envoi;demandePapier\nPaul;Martin;papier;\n"));

        Assert.Empty(result.Rows);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.LineNumber);
        Assert.Contains("demandé par écrit", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralErrorsOnOneLine_GiveOneRejectionWithEveryReason()
    {
        var result = MemberCsvParser.Parse(Utf8("prénom;nom;courriel;portable\n;Dupont;pas-une-adresse;12\n"));

        var rejection = Assert.Single(result.Rejections);
        Assert.Contains("Le prénom est obligatoire.", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("pas-une-adresse", rejection.Reason, StringComparison.Ordinal);
        Assert.Contains("numéro de portable", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateEmail_RejectsTheLaterLine()
    {
        var csv = "prénom;nom;courriel\nJeanne;Dupont;jeanne@mairie.fr\nPaul;Martin;paul@mairie.fr\nJeanne;Dupont-Bis;JEANNE@mairie.fr\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        Assert.Equal([2, 3], result.Rows.Select(row => row.LineNumber));
        Assert.Equal(
            new MemberCsvRejection(4, $"L'adresse électronique «{Nbsp}jeanne@mairie.fr{Nbsp}» est déjà présente à la ligne 2."),
            Assert.Single(result.Rejections));
    }

    [Fact]
    public void Parse_HeaderOnly_GivesNoRows()
    {
        var result = MemberCsvParser.Parse(Utf8("prénom;nom;courriel\r\n"));

        Assert.Empty(result.Rows);
        Assert.Empty(result.Rejections);
    }

    [Fact]
    public void Parse_NoHeader_ThrowsNamingTheFirstLine()
    {
        var error = Assert.Throws<MemberCsvFormatException>(
            () => MemberCsvParser.Parse(Utf8("Jeanne;Dupont;jeanne@mairie.fr\nPaul;Martin;paul@mairie.fr\n")));

        Assert.Equal(1, error.LineNumber);
        Assert.Contains("en-tête", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingLastNameColumn_ThrowsNamingIt()
    {
        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(Utf8("prénom;courriel\nJeanne;jeanne@mairie.fr\n")));

        Assert.Contains("nom (lastName)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("firstName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingBothNameColumns_ThrowsNamingBoth()
    {
        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(Utf8("courriel;portable\njeanne@mairie.fr;\n")));

        Assert.Contains("prénom (firstName) et nom (lastName)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicatedColumn_Throws()
    {
        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(Utf8("prénom;nom;mail;courriel\nJeanne;Dupont;a@b.fr;c@d.fr\n")));

        Assert.Contains("deux fois", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_InvalidUtf8_ThrowsWithTheLineOfTheBadByte()
    {
        var bytes = Encoding.UTF8.GetBytes("prénom;nom;courriel\nJeanne;Dupont;jeanne@mairie.fr\nH")
            .Concat(new byte[] { 0xE9 })
            .Concat(Encoding.UTF8.GetBytes("lène;Martin;helene@mairie.fr\n"))
            .ToArray();

        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(new MemoryStream(bytes)));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Utf16File_IsReportedAsNotUtf8()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("prénom;nom\nJeanne;Dupont\n")).ToArray();

        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(new MemoryStream(bytes)));

        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { (byte)'\r', (byte)'\n', (byte)' ', (byte)'\n' })]
    [InlineData(new byte[] { (byte)';', (byte)';', (byte)'\n' })]
    public void Parse_EmptyFile_Throws(byte[] bytes)
    {
        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(new MemoryStream(bytes)));

        Assert.Equal("Le fichier est vide.", error.Message);
    }

    [Fact]
    public void Parse_UnterminatedQuote_ThrowsWithTheLineWhereItOpened()
    {
        var csv = "prénom;nom;courriel\nJeanne;Dupont;jeanne@mairie.fr\n\"Paul;Martin;paul@mairie.fr\nLuc;Petit;luc@mairie.fr\n";

        var error = Assert.Throws<MemberCsvFormatException>(() => MemberCsvParser.Parse(Utf8(csv)));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("ligne 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TextAfterClosingQuote_RejectsThatLine()
    {
        var csv = "prénom;nom;courriel\n\"Jeanne\"x;Dupont;jeanne@mairie.fr\nPaul;Martin;paul@mairie.fr\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        Assert.Equal(3, Assert.Single(result.Rows).LineNumber);
        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.LineNumber);
        Assert.StartsWith("Guillemet mal placé", rejection.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ExtraValuesBeyondHeader_RejectThatLine()
    {
        var csv = "prénom;nom;courriel;portable\nJeanne;Dupont;jeanne@mairie.fr;;en trop\nPaul;Martin;paul@mairie.fr;;;\nLuc;Petit;luc@mairie.fr\n";

        var result = MemberCsvParser.Parse(Utf8(csv));

        var rejection = Assert.Single(result.Rejections);
        Assert.Equal(2, rejection.LineNumber);
        Assert.StartsWith($"La ligne compte 5{Nbsp}champs alors que l'en-tête en compte 4", rejection.Reason, StringComparison.Ordinal);
        Assert.Equal([3, 4], result.Rows.Select(row => row.LineNumber));
    }

    private static MemoryStream Utf8(string text, bool bom = false) =>
        new((bom ? Encoding.UTF8.GetPreamble() : []).Concat(Encoding.UTF8.GetBytes(text)).ToArray());
}
