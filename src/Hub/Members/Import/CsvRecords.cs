using System.Text;
using IntegrationHub.Text;

namespace IntegrationHub.Members.Import;

/// <summary>One record of a CSV file: <see cref="Error"/> is set when its quoting is broken.</summary>
internal sealed record CsvRecord(int LineNumber, IReadOnlyList<string> Fields, string? Error)
{
    public bool IsBlank => Fields.All(string.IsNullOrWhiteSpace);
}

/// <summary>
/// RFC 4180 records: quoted fields may hold separators, doubled quotes and line breaks; CRLF, LF and CR all end a
/// line. Line numbers count physical lines, so a quoted line break moves the next record down one line.
/// </summary>
internal static class CsvRecords
{
    private const string Nbsp = French.Nbsp;

    /// <summary>French spreadsheets write « ; » (the comma is the decimal separator), others « , »: the header decides.</summary>
    public static char DetectSeparator(string text)
    {
        int semicolons = 0, commas = 0;
        var quoted = false;
        var seenContent = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (!quoted && c is '\r' or '\n')
            {
                if (seenContent)
                {
                    break;
                }

                continue;
            }
            else if (!quoted && c == ';')
            {
                semicolons++;
            }
            else if (!quoted && c == ',')
            {
                commas++;
            }

            seenContent |= !char.IsWhiteSpace(c);
        }

        return commas > semicolons ? ',' : ';';
    }

    public static List<CsvRecord> Read(string text, char separator)
    {
        var records = new List<CsvRecord>();
        var field = new StringBuilder();
        var line = 1;
        var i = 0;
        while (i < text.Length)
        {
            var startLine = line;
            var fields = new List<string>();
            string? error = null;
            while (true)
            {
                field.Clear();
                var afterBlanks = i;
                while (afterBlanks < text.Length && text[afterBlanks] is ' ' or '\t')
                {
                    afterBlanks++;
                }

                if (afterBlanks < text.Length && text[afterBlanks] == '"')
                {
                    i = ReadQuoted(text, afterBlanks, field, ref line);
                    while (i < text.Length && text[i] is ' ' or '\t')
                    {
                        i++;
                    }

                    if (!EndsField(text, i, separator))
                    {
                        error ??= $"Guillemet mal placé{Nbsp}: un champ entre guillemets doit être suivi du séparateur «{Nbsp}{separator}{Nbsp}» ou de la fin de la ligne.";
                        while (!EndsField(text, i, separator))
                        {
                            i++;
                        }
                    }
                }
                else
                {
                    while (!EndsField(text, i, separator))
                    {
                        field.Append(text[i++]);
                    }
                }

                fields.Add(field.ToString());
                if (i < text.Length && text[i] == separator)
                {
                    i++;
                    continue;
                }

                if (i < text.Length)
                {
                    i = SkipLineBreak(text, i);
                    line++;
                }

                break;
            }

            records.Add(new CsvRecord(startLine, fields, error));
        }

        return records;
    }

    private static int ReadQuoted(string text, int openingQuote, StringBuilder field, ref int line)
    {
        var openLine = line;
        var i = openingQuote + 1;
        while (true)
        {
            if (i >= text.Length)
            {
                throw new MemberCsvFormatException(
                    $"Guillemet non refermé{Nbsp}: le champ ouvert par un guillemet à la ligne {openLine} se poursuit jusqu'à la fin du fichier. "
                    + "Vérifiez les guillemets de cette ligne.",
                    openLine);
            }

            var c = text[i];
            if (c == '"')
            {
                if (i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            if (c is '\r' or '\n')
            {
                field.Append('\n');
                i = SkipLineBreak(text, i);
                line++;
                continue;
            }

            field.Append(c);
            i++;
        }
    }

    private static bool EndsField(string text, int i, char separator) =>
        i >= text.Length || text[i] == separator || text[i] is '\r' or '\n';

    private static int SkipLineBreak(string text, int i) =>
        text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? i + 2 : i + 1;
}
