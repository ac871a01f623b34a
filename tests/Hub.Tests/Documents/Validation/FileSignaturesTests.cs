using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using IntegrationHub.Documents.Validation;
using Xunit;

namespace IntegrationHub.Tests.Documents.Validation;

public class FileSignaturesTests
{
    private static readonly byte[] PdfHeader = Encoding.ASCII.GetBytes("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n");
    private static readonly byte[] PngHeader = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R'];
    private static readonly byte[] JpegHeader = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0];
    private static readonly byte[] OleHeader = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0];

    public static TheoryData<string, byte[], string> Accepted => new()
    {
        { "délibération.pdf", PdfHeader, FileSignatures.Pdf },
        { "SCAN.PDF", PdfHeader, FileSignatures.Pdf },
        { "note.docx", Ooxml("word/document.xml"), FileSignatures.Docx },
        { "budget.xlsx", Ooxml("xl/workbook.xml"), FileSignatures.Xlsx },
        { "présentation.pptx", Ooxml("ppt/presentation.xml"), FileSignatures.Pptx },
        { "note.odt", OpenDocument(FileSignatures.Odt), FileSignatures.Odt },
        { "budget.ods", OpenDocument(FileSignatures.Ods), FileSignatures.Ods },
        { "note-sans-mimetype.odt", Ooxml("content.xml"), FileSignatures.Odt },
        { "plan.png", PngHeader, FileSignatures.Png },
        { "photo.jpg", JpegHeader, FileSignatures.Jpeg },
        { "photo.JPEG", JpegHeader, FileSignatures.Jpeg },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Detect_ContentMatchingItsExtension_ReturnsTheMediaType(string fileName, byte[] header, string mediaType)
    {
        Assert.Equal(mediaType, FileSignatures.Detect(header, fileName, out var refusal));
        Assert.Null(refusal);
        Assert.Equal(mediaType, FileSignatures.Detect(header, fileName));
    }

    [Fact]
    public void Detect_OpenDocumentWrittenByZipArchive_IsAccepted()
    {
        // A real archive rather than a hand-made header: the mimetype entry first and stored, the rest compressed.
        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            using (var entry = archive.CreateEntry("mimetype", CompressionLevel.NoCompression).Open())
            {
                entry.Write(Encoding.ASCII.GetBytes(FileSignatures.Ods));
            }

            using var content = archive.CreateEntry("content.xml", CompressionLevel.Optimal).Open();
            content.Write(Encoding.UTF8.GetBytes("<office:document-content/>"));
        }

        var header = zip.ToArray().AsSpan(0, (int)Math.Min(zip.Length, FileSignatures.HeaderLength));

        Assert.Equal(FileSignatures.Ods, FileSignatures.Detect(header, "budget.ods", out var refusal));
        Assert.Null(refusal);
        Assert.Null(FileSignatures.Detect(header, "budget.odt", out refusal));
        Assert.Equal("Le fichier « budget.odt » n'est pas un document OpenDocument texte valide : c'est en réalité un classeur OpenDocument.", refusal);
    }

    public static TheoryData<string, byte[], string> Refused => new()
    {
        {
            "lettre.pdf", Ooxml("word/document.xml"),
            "Le fichier « lettre.pdf » n'est pas un PDF valide : il ne commence pas par l'en-tête « %PDF- », c'est une archive ZIP (par exemple un document Office ou OpenDocument)."
        },
        {
            "lettre.pdf", [.. "<html>"u8, .. PdfHeader],
            "Le fichier « lettre.pdf » n'est pas un PDF valide : l'en-tête « %PDF- » doit se trouver au tout début du fichier."
        },
        {
            "lettre.pdf", "MZ\u0090\0"u8.ToArray(),
            "Le fichier « lettre.pdf » n'est pas un PDF valide : il ne commence pas par l'en-tête « %PDF- »."
        },
        {
            "lettre.pdf", [],
            "Le fichier « lettre.pdf » n'est pas un PDF valide : le fichier est vide."
        },
        {
            "note.docx", PdfHeader,
            "Le fichier « note.docx » n'est pas un document Word valide : ce n'est pas une archive Office Open XML, c'est un PDF."
        },
        {
            "note.docx", OleHeader,
            "Le fichier « note.docx » n'est pas un document Word valide : ce n'est pas une archive Office Open XML, c'est un ancien format Office (.doc, .xls, .ppt), à enregistrer au format actuel."
        },
        {
            "note.docx", OpenDocument(FileSignatures.Odt),
            "Le fichier « note.docx » n'est pas un document Word valide : c'est en réalité un document OpenDocument texte."
        },
        {
            "budget.ods", OpenDocument(FileSignatures.Odt),
            "Le fichier « budget.ods » n'est pas un classeur OpenDocument valide : c'est en réalité un document OpenDocument texte."
        },
        {
            "livre.odt", OpenDocument("application/epub+zip"),
            "Le fichier « livre.odt » n'est pas un document OpenDocument texte valide : c'est en réalité un fichier de type « application/epub+zip »."
        },
        {
            "note.odt", OpenDocument(FileSignatures.Odt, compression: 8),
            "Le fichier « note.odt » n'est pas un document OpenDocument texte valide : son entrée « mimetype » est illisible."
        },
        {
            "note.odt", OpenDocument(FileSignatures.Odt)[..40],
            "Le fichier « note.odt » n'est pas un document OpenDocument texte valide : son entrée « mimetype » est illisible."
        },
        {
            "note.odt", PngHeader,
            "Le fichier « note.odt » n'est pas un document OpenDocument texte valide : ce n'est pas une archive OpenDocument, c'est une image PNG."
        },
        {
            "plan.png", JpegHeader,
            "Le fichier « plan.png » n'est pas une image PNG valide : il ne commence pas par la signature PNG, c'est une image JPEG."
        },
        {
            "photo.jpg", PngHeader,
            "Le fichier « photo.jpg » n'est pas une image JPEG valide : il ne commence pas par la signature JPEG, c'est une image PNG."
        },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Detect_ContentNotMatchingItsExtension_RefusesWithTheReason(string fileName, byte[] header, string expected)
    {
        Assert.Null(FileSignatures.Detect(header, fileName, out var refusal));
        Assert.Equal(expected, refusal);
        Assert.Null(FileSignatures.Detect(header, fileName));
    }

    [Theory]
    [InlineData("script.exe")]
    [InlineData("ancien.doc")]
    [InlineData("archive.zip")]
    [InlineData("sans-extension")]
    [InlineData("page.html")]
    public void Detect_ExtensionNotAccepted_RefusesListingTheAcceptedTypes(string fileName)
    {
        Assert.Null(FileSignatures.Detect(PdfHeader, fileName, out var refusal));
        Assert.Equal(UploadRules.UnsupportedType(fileName), refusal);
    }

    [Fact]
    public void AcceptedTypes_Always_CoverEveryMediaTypeDetectCanReturn()
    {
        Assert.Equal(
            [FileSignatures.Pdf, FileSignatures.Docx, FileSignatures.Xlsx, FileSignatures.Pptx, FileSignatures.Odt, FileSignatures.Ods, FileSignatures.Png, FileSignatures.Jpeg],
            FileSignatures.AcceptedTypes.Select(t => t.MediaType));
        Assert.Equal([".jpg", ".jpeg"], FileSignatures.AcceptedTypes[^1].Extensions);
    }

    /// <summary>A ZIP local file header whose first entry is <paramref name="firstEntry"/>, compressed.</summary>
    private static byte[] Ooxml(string firstEntry) => LocalFileHeader(firstEntry, "<xml/>"u8.ToArray(), compression: 8);

    /// <summary>An ODF package start: the <c>mimetype</c> entry, first and stored (ODF 1.2 part 3, §3.3).</summary>
    private static byte[] OpenDocument(string mimetype, ushort compression = 0) =>
        [.. LocalFileHeader("mimetype", Encoding.ASCII.GetBytes(mimetype), compression), .. LocalFileHeader("content.xml", "<x/>"u8.ToArray(), 8)];

    private static byte[] LocalFileHeader(string name, byte[] data, ushort compression)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        var header = new byte[30 + nameBytes.Length + data.Length];
        "PK\u0003\u0004"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 20);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), compression);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(18), (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(22), (uint)data.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(26), (ushort)nameBytes.Length);
        nameBytes.CopyTo(header.AsSpan(30));
        data.CopyTo(header.AsSpan(30 + nameBytes.Length));
        return header;
    }
}
