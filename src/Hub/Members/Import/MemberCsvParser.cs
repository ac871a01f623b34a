using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using IntegrationHub.Text;

namespace IntegrationHub.Members.Import;

/// <summary>
/// Reads a member list exported from a spreadsheet: UTF-8 (with or without BOM), « ; » or « , » separated,
/// a header row naming the columns in English (API names) or French. Invalid rows are rejected one by one with
/// their line number; only a file that cannot be read as a whole throws <see cref="MemberCsvFormatException"/>.
/// </summary>
public static class MemberCsvParser
{
    private const string Nbsp = French.Nbsp;

    private static readonly ColumnSpec[] Columns =
    [
        new(Column.FirstName, "prénom (firstName)", ["firstname", "prenom"]),
        new(Column.LastName, "nom (lastName)", ["lastname", "nom"]),
        new(Column.Email, "courriel (email)", ["email", "courriel", "mail"]),
        new(Column.Mobile, "portable (mobile)", ["mobile", "portable", "telephone"]),
        new(Column.M365Upn, "upn (m365Upn)", ["m365upn", "upn"]),
        new(Column.Delivery, "envoi (delivery)", ["delivery", "envoi", "mode"]),
        new(Column.PaperRequestedOn, "demandePapier (paperRequestedOn)", ["paperrequestedon", "demandepapier"]),
    ];

    private enum Column
    {
        FirstName,
        LastName,
        Email,
        Mobile,
        M365Upn,
        Delivery,
        PaperRequestedOn,
    }

    /// <summary>
    /// Reads the whole stream synchronously: in ASP.NET Core, pass a buffered stream (an <c>IFormFile</c>'s, or a
    /// copy of the request body).
    /// </summary>
    public static MemberCsvParseResult Parse(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var text = Decode(ReadAll(stream));
        var separator = CsvRecords.DetectSeparator(text);
        var records = CsvRecords.Read(text, separator);

        var headerIndex = records.FindIndex(record => !record.IsBlank);
        if (headerIndex < 0)
        {
            throw new MemberCsvFormatException("Le fichier est vide.");
        }

        var header = records[headerIndex];
        var columns = MapHeader(header);

        var rows = new List<MemberCsvRow>();
        var rejections = new List<MemberCsvRejection>();
        var emailLines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in records.Skip(headerIndex + 1))
        {
            if (record.IsBlank)
            {
                continue;
            }

            var reason = Reject(record, header.Fields.Count, columns, separator, emailLines, out var fields);
            if (reason is null)
            {
                rows.Add(new MemberCsvRow(record.LineNumber, fields!));
            }
            else
            {
                rejections.Add(new MemberCsvRejection(record.LineNumber, reason));
            }
        }

        return new MemberCsvParseResult(rows, rejections);
    }

    private static string? Reject(
        CsvRecord record,
        int headerWidth,
        Dictionary<Column, int> columns,
        char separator,
        Dictionary<string, int> emailLines,
        out MemberFields? fields)
    {
        fields = null;
        if (record.Error is not null)
        {
            return record.Error;
        }

        // Missing trailing fields are read as empty; extra non-empty ones mean the columns are shifted.
        if (record.Fields.Skip(headerWidth).Any(value => !string.IsNullOrWhiteSpace(value)))
        {
            return $"La ligne compte {record.Fields.Count}{Nbsp}champs alors que l'en-tête en compte {headerWidth}{Nbsp}: "
                + $"vérifiez le séparateur «{Nbsp}{separator}{Nbsp}» et les guillemets.";
        }

        string? Value(Column column) =>
            columns.TryGetValue(column, out var index) && index < record.Fields.Count ? record.Fields[index] : null;

        fields = MemberFieldsValidator.Validate(
            Value(Column.FirstName),
            Value(Column.LastName),
            Value(Column.Email),
            Value(Column.Mobile),
            Value(Column.M365Upn),
            DeliveryFromFrench(Value(Column.Delivery)),
            Value(Column.PaperRequestedOn),
            out var errors);
        if (fields is null)
        {
            return string.Join(" ", errors.Select(error => error.Message));
        }

        if (fields.Email is { } email)
        {
            if (emailLines.TryGetValue(email, out var firstLine))
            {
                fields = null;
                return $"L'adresse électronique «{Nbsp}{email}{Nbsp}» est déjà présente à la ligne {firstLine}.";
            }

            emailLines.Add(email, record.LineNumber);
        }

        return null;
    }

    private static Dictionary<Column, int> MapHeader(CsvRecord header)
    {
        var columns = new Dictionary<Column, int>();
        for (var index = 0; index < header.Fields.Count; index++)
        {
            var name = Fold(header.Fields[index]);
            var spec = Columns.FirstOrDefault(candidate => candidate.Aliases.Contains(name));
            if (spec is null)
            {
                continue;
            }

            if (!columns.TryAdd(spec.Column, index))
            {
                throw new MemberCsvFormatException(
                    $"La colonne {spec.Label} apparaît deux fois dans l'en-tête (ligne {header.LineNumber}){Nbsp}: gardez-en une seule.",
                    header.LineNumber);
            }
        }

        if (columns.Count == 0)
        {
            throw new MemberCsvFormatException(
                $"La première ligne du fichier (ligne {header.LineNumber}) doit être un en-tête nommant les colonnes, "
                + $"par exemple «{Nbsp}prénom;nom;courriel;portable;envoi;demandePapier{Nbsp}»{Nbsp}: aucune colonne connue n'y figure.",
                header.LineNumber);
        }

        var missing = Columns
            .Where(spec => spec.Column is Column.FirstName or Column.LastName && !columns.ContainsKey(spec.Column))
            .Select(spec => spec.Label)
            .ToList();
        if (missing.Count > 0)
        {
            var message = missing.Count == 1
                ? $"Colonne obligatoire absente de l'en-tête (ligne {header.LineNumber}){Nbsp}: {missing[0]}."
                : $"Colonnes obligatoires absentes de l'en-tête (ligne {header.LineNumber}){Nbsp}: {string.Join(" et ", missing)}.";
            throw new MemberCsvFormatException(message, header.LineNumber);
        }

        return columns;
    }

    private static string? DeliveryFromFrench(string? value) => Fold(value ?? "") switch
    {
        "electronique" => DeliveryNames.Electronic,
        "papier" => DeliveryNames.Paper,
        _ => value,
    };

    /// <summary>« Prénom », « prenom », « PRENOM » and « first_name » all fold to the same key.</summary>
    private static string Fold(string value)
    {
        var folded = new StringBuilder(value.Length);
        foreach (var c in value.Trim().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark && c is not (' ' or '_' or '-' or '.' or '\''))
            {
                folded.Append(char.ToLowerInvariant(c));
            }
        }

        return folded.ToString();
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string Decode(byte[] bytes)
    {
        ReadOnlySpan<byte> content = bytes;
        if (content.StartsWith("\uFEFF"u8))
        {
            content = content[3..];
        }

        var chars = new char[content.Length];
        if (Utf8.ToUtf16(content, chars, out var read, out var written, replaceInvalidSequences: false) != OperationStatus.Done)
        {
            var line = 1 + LineBreaks(content[..read]);
            throw new MemberCsvFormatException(
                $"Le fichier n'est pas encodé en UTF-8 (caractère illisible à la ligne {line}){Nbsp}: "
                + $"dans le tableur, enregistrez-le au format «{Nbsp}CSV UTF-8{Nbsp}».",
                line);
        }

        var text = new string(chars, 0, written);
        return string.IsNullOrWhiteSpace(text) ? throw new MemberCsvFormatException("Le fichier est vide.") : text;
    }

    private static int LineBreaks(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '\n' || (bytes[i] == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n')))
            {
                count++;
            }
        }

        return count;
    }

    private sealed record ColumnSpec(Column Column, string Label, string[] Aliases);
}
