using IntegrationHub.Documents.Validation;
using Xunit;

namespace IntegrationHub.Tests.Documents.Validation;

public class FileNamesTests
{
    [Theory]
    [InlineData("budget.pdf", "budget.pdf")]
    [InlineData("Projet de délibération n°2.pdf", "Projet de délibération n°2.pdf")]
    [InlineData("C:\\Users\\marie\\Documents\\Budget primitif 2026.xlsx", "Budget primitif 2026.xlsx")]
    [InlineData("/home/marie/convocation.odt", "convocation.odt")]
    [InlineData("../../etc/passwd.pdf", "passwd.pdf")]
    [InlineData("..\\..\\windows\\system.ini.pdf", "system.ini.pdf")]
    [InlineData("  .rapport annuel.pdf.  ", "rapport annuel.pdf")]
    [InlineData("Ordre du jour : séance?.pdf", "Ordre du jour _ séance_.pdf")]
    [InlineData("Ordre du jour : <séance> \"n°3\" | v2*.pdf", "Ordre du jour _ _séance_ _n°3_ _ v2_.pdf")]
    [InlineData("CONSEIL.pdf", "CONSEIL.pdf")]
    [InlineData("console.pdf", "console.pdf")]
    [InlineData("COM10.pdf", "COM10.pdf")]
    [InlineData("👍 vote.png", "👍 vote.png")]
    public void Sanitize_AcceptableName_ReturnsTheSafeName(string raw, string expected)
    {
        var safe = FileNames.Sanitize(raw, out var refusal);

        Assert.Null(refusal);
        Assert.Equal(expected, safe);
    }

    [Fact]
    public void Sanitize_DecomposedAccents_ReturnsNfc()
    {
        var safe = FileNames.Sanitize("De\u0301libe\u0301ration.pdf", out _);

        Assert.Equal("D\u00e9lib\u00e9ration.pdf", safe);
    }

    [Theory]
    [InlineData(null, "Le nom de fichier est vide.")]
    [InlineData("", "Le nom de fichier est vide.")]
    [InlineData("   ", "Le nom de fichier est vide.")]
    [InlineData("documents/", "Le nom de fichier est vide.")]
    [InlineData("...", "Le nom de fichier est vide.")]
    [InlineData("..", "Le nom de fichier « .. » désigne un dossier, pas un fichier.")]
    [InlineData("dossier/..", "Le nom de fichier « .. » désigne un dossier, pas un fichier.")]
    [InlineData("C:\\dossier\\.", "Le nom de fichier « . » désigne un dossier, pas un fichier.")]
    [InlineData("CON", "Le nom de fichier « CON » est réservé par Windows : renommez le fichier.")]
    [InlineData("nul.pdf", "Le nom de fichier « nul.pdf » est réservé par Windows : renommez le fichier.")]
    [InlineData("Com1.tar.gz", "Le nom de fichier « Com1.tar.gz » est réservé par Windows : renommez le fichier.")]
    [InlineData("AUX .txt", "Le nom de fichier « AUX .txt » est réservé par Windows : renommez le fichier.")]
    [InlineData("lpt\u00b9.pdf", "Le nom de fichier « lpt\u00b9.pdf » est réservé par Windows : renommez le fichier.")]
    [InlineData("CONOUT$.pdf", "Le nom de fichier « CONOUT$.pdf » est réservé par Windows : renommez le fichier.")]
    public void Sanitize_UnacceptableName_RefusesInFrench(string? raw, string expected)
    {
        var safe = FileNames.Sanitize(raw, out var refusal);

        Assert.Null(safe);
        Assert.Equal(expected, refusal);
    }

    [Theory]
    [InlineData("rapport\u0000.pdf")]
    [InlineData("rapport\n.pdf")]
    [InlineData("rapport\u007f.pdf")]
    [InlineData("rapport\u0085.pdf")]
    [InlineData("facture\u202Efdp.exe")]
    [InlineData("facture\u2066.pdf")]
    [InlineData("ligne\u2028.pdf")]
    [InlineData("\ufeffrapport.pdf")]
    public void Sanitize_ControlOrInvisibleCharacter_IsRefused(string raw)
    {
        var safe = FileNames.Sanitize(raw, out var refusal);

        Assert.Null(safe);
        Assert.Equal("Le nom de fichier contient des caractères de contrôle ou invisibles : renommez le fichier.", refusal);
    }

    [Fact]
    public void Sanitize_IllFormedUtf16_IsRefused()
    {
        // Not theory data: xunit would turn the lone surrogates into U+FFFD on the way.
        foreach (var raw in new[] { "rapport\ud800.pdf", "\udc00rapport.pdf", "rapport.pdf\ud83d" })
        {
            Assert.Null(FileNames.Sanitize(raw, out var refusal));
            Assert.Equal("Le nom de fichier contient des caractères invalides : renommez le fichier.", refusal);
        }
    }

    [Fact]
    public void Sanitize_TooLong_KeepsTheExtensionWithin200Characters()
    {
        var safe = FileNames.Sanitize(new string('a', 300) + ".docx", out _);

        Assert.Equal(new string('a', 195) + ".docx", safe);
    }

    [Fact]
    public void Sanitize_TooLongWithAnEmojiAtTheCut_NeverSplitsASurrogatePair()
    {
        var safe = FileNames.Sanitize(new string('a', 195) + "😀😀😀" + ".pdf", out _)!;

        Assert.Equal(new string('a', 195) + ".pdf", safe);
    }

    [Fact]
    public void Sanitize_TooLongWithSpacesAtTheCut_TrimsThemBeforeTheExtension()
    {
        var safe = FileNames.Sanitize(new string('a', 190) + "          b.pdf", out _)!;

        Assert.Equal(new string('a', 190) + ".pdf", safe);
    }

    [Fact]
    public void Sanitize_TooLongWithAVeryLongExtension_CutsTheWholeName()
    {
        var safe = FileNames.Sanitize("rapport." + new string('x', 300), out _)!;

        Assert.Equal(FileNames.MaxLength, safe.Length);
        Assert.StartsWith("rapport.xxx", safe, StringComparison.Ordinal);
    }
}
