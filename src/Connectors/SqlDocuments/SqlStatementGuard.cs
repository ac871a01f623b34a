using System.Collections.Frozen;

namespace IntegrationHub.Connectors.SqlDocuments;

/// <summary>
/// Checks that a configured query is one SELECT using its parameter. A guard against mistakes, not a sandbox: it reads
/// the SQL the way the engines tokenise it (comments, string literals, quoted identifiers skipped), but a function
/// called by the SELECT can still write. Only a read-only database login makes the connector harmless.
/// </summary>
internal static class SqlStatementGuard
{
    // Words that only a statement changing data, schema, rights or files needs. Quoted identifiers ("update") pass.
    private static readonly FrozenSet<string> ForbiddenWords = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "INSERT", "UPDATE", "DELETE", "MERGE", "TRUNCATE", "DROP", "ALTER", "CREATE", "GRANT", "REVOKE", "DENY",
        "EXEC", "EXECUTE", "CALL", "INTO", "ATTACH", "DETACH", "PRAGMA", "VACUUM", "COPY", "BULK", "BACKUP",
        "RESTORE", "SHUTDOWN", "KILL", "DBCC", "LOCK");

    /// <summary>What is wrong with <paramref name="sql"/>, in French, or <see langword="null"/>.</summary>
    /// <param name="key">The setting's key, for the message.</param>
    /// <param name="sql">The query.</param>
    /// <param name="parameter">The parameter it must use, without <c>@</c>.</param>
    public static string? Check(string key, string sql, string parameter)
    {
        var scan = Scan(sql, parameter);
        if (scan.Problem is { } problem)
        {
            return $"{key} : {problem}";
        }

        if (!string.Equals(scan.FirstWord, "SELECT", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(scan.FirstWord, "WITH", StringComparison.OrdinalIgnoreCase))
        {
            return $"{key} doit être une seule instruction commençant par SELECT ou WITH (reçu : « {Excerpt(scan.FirstToken)} »).";
        }

        if (scan.StatementAfterSemicolon)
        {
            return $"{key} doit être une seule instruction : le « ; » sépare plusieurs instructions, ce qui est refusé.";
        }

        if (scan.ForbiddenWord is { } word)
        {
            return $"{key} ne doit pas contenir « {word.ToUpperInvariant()} » : le connecteur ne fait que lire les documents. "
                + "Le hub doit de plus se connecter avec un compte en lecture seule.";
        }

        return scan.UsesParameter
            ? null
            : $"{key} doit utiliser le paramètre @{parameter}, en dehors des commentaires et des chaînes de caractères.";
    }

    private static string Excerpt(string? token) => token switch
    {
        null or "" => "rien",
        { Length: > 30 } => token[..30] + "…",
        _ => token,
    };

    private static Scanned Scan(string sql, string parameter)
    {
        var result = new Scanned();
        var afterSemicolon = false;
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            var next = i + 1 < sql.Length ? sql[i + 1] : '\0';
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            if (c == '-' && next == '-')
            {
                var end = sql.IndexOf('\n', i);
                i = end < 0 ? sql.Length : end + 1;
                continue;
            }

            if (c == '/' && next == '*')
            {
                i = SkipBlockComment(sql, i);
                if (i < 0)
                {
                    result.Problem = "un commentaire /* n'est pas refermé.";
                    return result;
                }

                continue;
            }

            result.StatementAfterSemicolon |= afterSemicolon;
            if (c == ';')
            {
                afterSemicolon = true;
                i++;
                continue;
            }

            var isFirstToken = result.FirstToken is null;
            result.FirstToken ??= TokenAt(sql, i);
            switch (c)
            {
                case '\'' or '"' or '`':
                    i = SkipQuoted(sql, i, c, backslashEscapes: false);
                    break;
                case '[':
                    i = SkipQuoted(sql, i, ']', backslashEscapes: false);
                    break;
                case '$' when DollarTag(sql, i) is { } tag:
                    var close = sql.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                    i = close < 0 ? -1 : close + tag.Length;
                    break;
                case '@':
                    var name = ++i;
                    while (i < sql.Length && IsWordChar(sql[i]))
                    {
                        i++;
                    }

                    result.UsesParameter |= string.Equals(sql[name..i], parameter, StringComparison.Ordinal);
                    break;
                case var _ when char.IsLetter(c) || c == '_':
                    var wordStart = i;
                    while (i < sql.Length && (IsWordChar(sql[i]) || sql[i] is '$' or '#'))
                    {
                        i++;
                    }

                    var word = sql[wordStart..i];
                    if (isFirstToken)
                    {
                        result.FirstWord = word;
                    }

                    if (result.ForbiddenWord is null && ForbiddenWords.Contains(word))
                    {
                        result.ForbiddenWord = word;
                    }

                    // PostgreSQL escape strings (E'it\'s') allow a backslash before the quote.
                    if (i < sql.Length && sql[i] == '\'' && word is "E" or "e")
                    {
                        i = SkipQuoted(sql, i, '\'', backslashEscapes: true);
                    }

                    break;
                default:
                    i++;
                    break;
            }

            if (i < 0)
            {
                result.Problem = "une chaîne de caractères ou un identifiant entre guillemets n'est pas refermé.";
                return result;
            }
        }

        return result;
    }

    // Returns the index after the comment, or -1 when it is never closed. PostgreSQL and SQL Server both nest them.
    private static int SkipBlockComment(string sql, int open)
    {
        var depth = 0;
        var i = open;
        while (i < sql.Length)
        {
            if (sql[i] == '/' && i + 1 < sql.Length && sql[i + 1] == '*')
            {
                depth++;
                i += 2;
            }
            else if (sql[i] == '*' && i + 1 < sql.Length && sql[i + 1] == '/')
            {
                depth--;
                i += 2;
                if (depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        return -1;
    }

    private static string TokenAt(string sql, int start)
    {
        var end = start;
        while (end < sql.Length && !char.IsWhiteSpace(sql[end]))
        {
            end++;
        }

        return sql[start..end];
    }

    // Returns the index after the closing quote, or -1 when the quote is never closed. A doubled quote is an escape.
    private static int SkipQuoted(string sql, int open, char closing, bool backslashEscapes)
    {
        var i = open + 1;
        while (i < sql.Length)
        {
            if (backslashEscapes && sql[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (sql[i] == closing)
            {
                if (i + 1 < sql.Length && sql[i + 1] == closing)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        return -1;
    }

    // PostgreSQL dollar quoting: $$…$$ or $tag$…$tag$, the tag not starting with a digit ($1 is a parameter).
    private static string? DollarTag(string sql, int start)
    {
        if (start > 0 && IsWordChar(sql[start - 1]))
        {
            return null;
        }

        var i = start + 1;
        if (i < sql.Length && char.IsDigit(sql[i]))
        {
            return null;
        }

        while (i < sql.Length && IsWordChar(sql[i]))
        {
            i++;
        }

        return i < sql.Length && sql[i] == '$' ? sql[start..(i + 1)] : null;
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private sealed class Scanned
    {
        public string? Problem { get; set; }

        public string? FirstToken { get; set; }

        public string? FirstWord { get; set; }

        public string? ForbiddenWord { get; set; }

        public bool UsesParameter { get; set; }

        public bool StatementAfterSemicolon { get; set; }
    }
}
