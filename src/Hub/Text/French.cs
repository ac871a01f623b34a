using System.Globalization;
using System.Text.RegularExpressions;

namespace IntegrationHub.Text;

/// <summary>
/// French dates and times written by hand rather than through ICU cultures, so the text is the same on every host
/// (including containers running with invariant globalization).
/// </summary>
public static partial class French
{
    private static readonly string[] Days = ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"];
    private static readonly string[] Months =
        ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

    /// <summary>Non-breaking space, required before « : » in French typography.</summary>
    public const string Nbsp = "\u00A0";

    /// <summary>« jeudi 26 mars 2026 » (« 1er » for the first of the month).</summary>
    public static string LongDate(DateOnly date) =>
        $"{Days[(int)date.DayOfWeek]} {(date.Day == 1 ? "1er" : date.Day.ToString(CultureInfo.InvariantCulture))} {Months[date.Month - 1]} {date.Year}";

    /// <summary>« 18 h 30 », « 9 h » (French typographic convention).</summary>
    public static string Time(TimeOnly time) =>
        time.Minute == 0
            ? $"{time.Hour}{Nbsp}h"
            : $"{time.Hour}{Nbsp}h{Nbsp}{time.Minute:00}";

    public static string DateAndTime(DateTime local) =>
        $"{LongDate(DateOnly.FromDateTime(local))} à {Time(TimeOnly.FromDateTime(local))}";

    /// <summary>« 20/03/2026 ».</summary>
    public static string ShortDate(DateOnly date) => date.ToString("dd'/'MM'/'yyyy", CultureInfo.InvariantCulture);

    /// <summary>
    /// French typography for text people read: a non-breaking space before « : ; ? ! » and inside « », so the sign
    /// never starts a line. Applied where text leaves the hub (problem details, member pages), so every message
    /// gets it whatever space its author typed. Signs glued to a word (« 18:30 », « http:// », « ?t= ») are left alone.
    /// </summary>
    public static string Typography(string text) =>
        ClosingQuote().Replace(OpeningQuote().Replace(SpaceBeforeSign().Replace(text, Nbsp + "$1"), "«" + Nbsp), Nbsp + "»");

    [GeneratedRegex(@"[ \u202F\u00A0]+([:;?!])(?=\s|$|<|\)|»)")]
    private static partial Regex SpaceBeforeSign();

    [GeneratedRegex(@"«[ \u202F\u00A0]*")]
    private static partial Regex OpeningQuote();

    [GeneratedRegex(@"[ \u202F\u00A0]*»")]
    private static partial Regex ClosingQuote();
}
