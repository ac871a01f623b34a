using System.Buffers.Binary;
using System.Text;

namespace IntegrationHub.Documents.Validation;

/// <summary>
/// Recognises accepted documents by their first bytes, and refuses a file whose extension and content disagree (a
/// « .pdf » that is a ZIP archive, a « .docx » that is an OpenDocument file): the extension decides how members'
/// computers open the download, so it has to be true.
/// </summary>
public static class FileSignatures
{
    /// <summary>How many leading bytes <see cref="Detect(ReadOnlySpan{byte}, string, out string?)"/> needs (fewer only when the file is shorter).</summary>
    public const int HeaderLength = 1024;

    public const string Pdf = "application/pdf";
    public const string Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    public const string Xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    public const string Pptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";
    public const string Odt = "application/vnd.oasis.opendocument.text";
    public const string Ods = "application/vnd.oasis.opendocument.spreadsheet";
    public const string Png = "image/png";
    public const string Jpeg = "image/jpeg";

    private const int MaxMimetypeLength = 128;

    private static readonly byte[] PdfMagic = "%PDF-"u8.ToArray();
    private static readonly byte[] ZipLocalFileMagic = [(byte)'P', (byte)'K', 3, 4];
    private static readonly byte[] PngMagic = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] JpegMagic = [0xFF, 0xD8, 0xFF];
    private static readonly byte[] OleMagic = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] MimetypeEntryName = "mimetype"u8.ToArray();

    private static readonly Format[] Formats =
    [
        new(Pdf, "PDF (.pdf)", "un PDF", Container.Pdf, [".pdf"]),
        new(Docx, "Word (.docx)", "un document Word", Container.OfficeOpenXml, [".docx"]),
        new(Xlsx, "Excel (.xlsx)", "un classeur Excel", Container.OfficeOpenXml, [".xlsx"]),
        new(Pptx, "PowerPoint (.pptx)", "une présentation PowerPoint", Container.OfficeOpenXml, [".pptx"]),
        new(Odt, "OpenDocument texte (.odt)", "un document OpenDocument texte", Container.OpenDocument, [".odt"]),
        new(Ods, "OpenDocument tableur (.ods)", "un classeur OpenDocument", Container.OpenDocument, [".ods"]),
        new(Png, "image PNG (.png)", "une image PNG", Container.Png, [".png"]),
        new(Jpeg, "image JPEG (.jpg, .jpeg)", "une image JPEG", Container.Jpeg, [".jpg", ".jpeg"]),
    ];

    private enum Container
    {
        Pdf,
        OfficeOpenXml,
        OpenDocument,
        Png,
        Jpeg,
    }

    /// <summary>The accepted types, in the order refusal messages list them.</summary>
    public static IReadOnlyList<AcceptedFileType> AcceptedTypes { get; } =
        [.. Formats.Select(f => new AcceptedFileType(f.MediaType, f.Label, f.Extensions))];

    /// <summary>The media type of an accepted file, or <see langword="null"/>.</summary>
    /// <param name="header">The file's first bytes, at least <see cref="HeaderLength"/> of them unless the file is shorter.</param>
    /// <param name="fileName">The file's name; its extension must match the content.</param>
    public static string? Detect(ReadOnlySpan<byte> header, string fileName) => Detect(header, fileName, out _);

    /// <summary>
    /// The media type of an accepted file, or <see langword="null"/> with a French <paramref name="refusal"/>
    /// for the person who sent it (see <see cref="UploadRules"/>).
    /// </summary>
    /// <param name="header">The file's first bytes, at least <see cref="HeaderLength"/> of them unless the file is shorter.</param>
    /// <param name="fileName">The file's (sanitized) name; its extension must match the content.</param>
    /// <param name="refusal">Why the file is refused; <see langword="null"/> when it is accepted.</param>
    /// <remarks>
    /// PDF: readers accept the <c>%PDF-</c> header anywhere in the first 1024 bytes (PDF Reference 1.7, annex H,
    /// note 13), but it is required at offset 0 here. Every PDF that office tools and scanners produce starts with it,
    /// and bytes before it are how polyglot files are made — a file that is also HTML, a script or a ZIP for another
    /// program. OOXML (docx, xlsx, pptx) and ODF (odt, ods): a ZIP local file header at offset 0 and the matching
    /// extension; when the first entry is named <c>mimetype</c> (ODF 1.2 part 3, §3.3: first, stored, no extra
    /// field), its text must be the media type of the extension. PNG, JPEG: their magic numbers.
    /// </remarks>
    public static string? Detect(ReadOnlySpan<byte> header, string fileName, out string? refusal)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var extension = Path.GetExtension(fileName).ToLowerInvariant();
        var format = Array.Find(Formats, f => f.Extensions.Contains(extension));
        if (format is null)
        {
            refusal = UploadRules.UnsupportedType(fileName);
            return null;
        }

        var reason = header.IsEmpty ? "le fichier est vide" : Check(header, format);
        refusal = reason is null ? null : UploadRules.NotValid(fileName, format.WithArticle, reason);
        return reason is null ? format.MediaType : null;
    }

    private static string? Check(ReadOnlySpan<byte> header, Format format) => format.Container switch
    {
        Container.Pdf => header.StartsWith(PdfMagic)
            ? null
            : header[..Math.Min(header.Length, HeaderLength)].IndexOf(PdfMagic) > 0
                ? "l'en-tête « %PDF- » doit se trouver au tout début du fichier"
                : $"il ne commence pas par l'en-tête « %PDF- »{Describe(header)}",
        Container.OfficeOpenXml => !header.StartsWith(ZipLocalFileMagic)
            ? $"ce n'est pas une archive Office Open XML{Describe(header)}"
            : ReadMimetype(header, out var mimetype) switch
            {
                MimetypeEntry.Absent => null,
                MimetypeEntry.Unreadable => "c'est une archive avec une entrée « mimetype » illisible",
                _ => ActuallyIs(mimetype!),
            },
        Container.OpenDocument => !header.StartsWith(ZipLocalFileMagic)
            ? $"ce n'est pas une archive OpenDocument{Describe(header)}"
            : ReadMimetype(header, out var mimetype) switch
            {
                MimetypeEntry.Absent => null,
                MimetypeEntry.Unreadable => "son entrée « mimetype » est illisible",
                _ when mimetype == format.MediaType => null,
                _ => ActuallyIs(mimetype!),
            },
        Container.Png => header.StartsWith(PngMagic) ? null : $"il ne commence pas par la signature PNG{Describe(header)}",
        Container.Jpeg => header.StartsWith(JpegMagic) ? null : $"il ne commence pas par la signature JPEG{Describe(header)}",
        _ => throw new InvalidOperationException($"Unknown container {format.Container}."),
    };

    /// <summary>« , c'est une archive ZIP » when the content is something else we recognise, to help the sender.</summary>
    private static string Describe(ReadOnlySpan<byte> header) =>
        header.StartsWith(PdfMagic) ? ", c'est un PDF"
        : header.StartsWith(ZipLocalFileMagic) ? ", c'est une archive ZIP (par exemple un document Office ou OpenDocument)"
        : header.StartsWith(PngMagic) ? ", c'est une image PNG"
        : header.StartsWith(JpegMagic) ? ", c'est une image JPEG"
        : header.StartsWith(OleMagic) ? ", c'est un ancien format Office (.doc, .xls, .ppt), à enregistrer au format actuel"
        : "";

    private static string ActuallyIs(string mimetype) =>
        Array.Find(Formats, f => f.MediaType == mimetype) is { } actual
            ? $"c'est en réalité {actual.WithArticle}"
            : $"c'est en réalité un fichier de type « {mimetype} »";

    private enum MimetypeEntry
    {
        Absent,
        Unreadable,
        Present,
    }

    /// <summary>The text of a first ZIP entry named <c>mimetype</c>, stored uncompressed as ODF requires.</summary>
    private static MimetypeEntry ReadMimetype(ReadOnlySpan<byte> header, out string? mimetype)
    {
        mimetype = null;
        // Local file header (APPNOTE 4.3.7): fixed part of 30 bytes, then the name, the extra field and the data.
        const int FixedPart = 30;
        if (header.Length < FixedPart)
        {
            return MimetypeEntry.Unreadable;
        }

        var compression = BinaryPrimitives.ReadUInt16LittleEndian(header[8..]);
        var compressedSize = BinaryPrimitives.ReadUInt32LittleEndian(header[18..]);
        var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(header[26..]);
        var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(header[28..]);
        if (header.Length < FixedPart + nameLength || !header.Slice(FixedPart, nameLength).SequenceEqual(MimetypeEntryName))
        {
            return MimetypeEntry.Absent;
        }

        var dataStart = FixedPart + nameLength + extraLength;
        if (compression != 0 || compressedSize is 0 or > MaxMimetypeLength || header.Length < dataStart + (int)compressedSize)
        {
            return MimetypeEntry.Unreadable;
        }

        var text = header.Slice(dataStart, (int)compressedSize);
        if (text.ContainsAnyExceptInRange((byte)0x21, (byte)0x7E))
        {
            return MimetypeEntry.Unreadable;
        }

        mimetype = Encoding.ASCII.GetString(text);
        return MimetypeEntry.Present;
    }

    private sealed record Format(string MediaType, string Label, string WithArticle, Container Container, string[] Extensions);
}
