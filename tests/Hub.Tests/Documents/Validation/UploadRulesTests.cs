using IntegrationHub.Documents.Validation;
using Xunit;

namespace IntegrationHub.Tests.Documents.Validation;

public class UploadRulesTests
{
    [Theory]
    [InlineData(20L * 1024 * 1024, "20 Mo")]
    [InlineData(1024L * 1024 * 1024, "1024 Mo")]
    [InlineData(1536L * 1024, "1,5 Mo")]
    [InlineData(100L * 1024, "0,1 Mo")]
    public void Megabytes_Size_IsWrittenTheFrenchWay(long bytes, string expected)
    {
        Assert.Equal(expected, UploadRules.Megabytes(bytes));
    }

    [Fact]
    public void TooLarge_NamedFile_NamesTheFileAndTheLimit()
    {
        Assert.Equal("Le fichier « plan.pdf » dépasse la taille maximale autorisée (25 Mo).", UploadRules.TooLarge("plan.pdf", 25L * 1024 * 1024));
    }

    [Fact]
    public void UnsupportedType_AnyName_ListsEveryAcceptedType()
    {
        var text = UploadRules.UnsupportedType("script.exe");

        Assert.Equal(
            "Le fichier « script.exe » n'est pas d'un type accepté. Types acceptés : PDF (.pdf), Word (.docx), Excel (.xlsx), " +
            "PowerPoint (.pptx), OpenDocument texte (.odt), OpenDocument tableur (.ods), image PNG (.png), image JPEG (.jpg, .jpeg).",
            text);
    }

    [Fact]
    public void AntivirusUnavailable_Always_AsksToTryAgainLater()
    {
        Assert.Equal("L'antivirus n'a pas pu analyser le fichier ; réessayez plus tard.", UploadRules.AntivirusUnavailable);
    }

    [Fact]
    public void Infected_Signature_NamesItAndTheFile()
    {
        Assert.Equal(
            "L'antivirus a détecté « Win.Test.EICAR_HDB-1 » dans « eicar.pdf » : le fichier est refusé.",
            UploadRules.Infected("eicar.pdf", "Win.Test.EICAR_HDB-1"));
    }
}
