using System.Buffers;
using System.Globalization;
using System.Text;

namespace IntegrationHub.Documents.Validation;

/// <summary>
/// Turns the name a browser sent with a file into one that is safe to show, to store and to offer for download on
/// any member's computer. The store never uses it as a path (content is kept under its hash); the risks are in the
/// download and the display: a path, a device name Windows will not save, invisible characters that disguise the
/// extension (« facture‮fdp.exe »).
/// </summary>
public static class FileNames
{
    /// <summary>Longest name kept, in UTF-16 code units, the extension included.</summary>
    public const int MaxLength = 200;

    // A longer "extension" is just the end of a name with a dot in it; it is not kept whole when shortening.
    private const int MaxExtensionLength = 16;

    // Refused by Windows in a file name; replaced rather than refused, since « Ordre du jour : budget.pdf » is a
    // normal French name and the colon costs nothing to lose.
    private static readonly SearchValues<char> WindowsInvalid = SearchValues.Create("<>:\"|?*");

    // Windows opens a device whatever the extension (« nul.pdf », « COM1 .txt »); the superscript digits count too.
    private static readonly HashSet<string> WindowsReservedNames = new(
        ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
         .. Enumerable.Range(0, 10).SelectMany(i => new[] { $"COM{i}", $"LPT{i}" }),
         "COM¹", "COM²", "COM³", "LPT¹", "LPT²", "LPT³"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The safe name, or <see langword="null"/> with a French <paramref name="refusal"/> for the sender.
    /// Keeps the last segment of a path (<c>/</c> or <c>\</c>: old browsers send « C:\Users\…\budget.pdf »),
    /// normalises to Unicode NFC, replaces the characters Windows refuses (<c>&lt;&gt;:"|?*</c>) with « _ », trims
    /// spaces and dots at both ends, and shortens to <see cref="MaxLength"/> keeping the extension. Refuses an empty
    /// name, « . » or « .. », control and invisible direction characters, ill-formed UTF-16 and Windows device names.
    /// </summary>
    public static string? Sanitize(string? raw, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(raw))
        {
            refusal = "Le nom de fichier est vide.";
            return null;
        }

        if (HasLoneSurrogate(raw))
        {
            refusal = "Le nom de fichier contient des caractères invalides : renommez le fichier.";
            return null;
        }

        var normalized = raw.Normalize(NormalizationForm.FormC);
        var name = normalized[(normalized.AsSpan().LastIndexOfAny('/', '\\') + 1)..];
        if (name.Trim() is "." or "..")
        {
            refusal = $"Le nom de fichier {UploadRules.Quote(name.Trim())} désigne un dossier, pas un fichier.";
            return null;
        }

        if (name.Any(IsInvisibleOrControl))
        {
            refusal = "Le nom de fichier contient des caractères de contrôle ou invisibles : renommez le fichier.";
            return null;
        }

        name = ReplaceWindowsInvalid(name);
        name = TrimSpacesAndDots(name);
        if (name.Length == 0)
        {
            refusal = "Le nom de fichier est vide.";
            return null;
        }

        var deviceName = name[..(name.IndexOf('.', StringComparison.Ordinal) is var dot and >= 0 ? dot : name.Length)].TrimEnd();
        if (WindowsReservedNames.Contains(deviceName))
        {
            refusal = $"Le nom de fichier {UploadRules.Quote(name)} est réservé par Windows : renommez le fichier.";
            return null;
        }

        return Shorten(name);
    }

    private static bool HasLoneSurrogate(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsInvisibleOrControl(char c) =>
        char.IsControl(c)
        || c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') // bidi controls
        || c is '\u2028' or '\u2029' // line and paragraph separators
        || c is '\uFEFF'; // byte order mark, zero width

    private static string ReplaceWindowsInvalid(string name)
    {
        if (!name.AsSpan().ContainsAny(WindowsInvalid))
        {
            return name;
        }

        return string.Create(name.Length, name, static (span, source) =>
        {
            source.AsSpan().CopyTo(span);
            for (var index = span.IndexOfAny(WindowsInvalid); index >= 0; index = span.IndexOfAny(WindowsInvalid))
            {
                span[index] = '_';
            }
        });
    }

    // Windows drops trailing dots and spaces; a leading dot hides the file on Unix.
    private static string TrimSpacesAndDots(string name)
    {
        var span = name.AsSpan();
        while (span.Length > 0 && (span[0] == '.' || char.IsWhiteSpace(span[0])))
        {
            span = span[1..];
        }

        while (span.Length > 0 && (span[^1] == '.' || char.IsWhiteSpace(span[^1])))
        {
            span = span[..^1];
        }

        return span.Length == name.Length ? name : span.ToString();
    }

    private static string Shorten(string name)
    {
        if (name.Length <= MaxLength)
        {
            return name;
        }

        var extension = Path.GetExtension(name);
        if (extension.Length > MaxExtensionLength)
        {
            extension = "";
        }

        var stem = name[..^extension.Length];
        var budget = MaxLength - extension.Length;
        // Cut between text elements, never inside a surrogate pair or before a combining accent.
        var length = 0;
        while (length < stem.Length)
        {
            var next = StringInfo.GetNextTextElementLength(stem, length);
            if (length + next > budget)
            {
                break;
            }

            length += next;
        }

        return TrimSpacesAndDots(stem[..length]) + extension;
    }
}
