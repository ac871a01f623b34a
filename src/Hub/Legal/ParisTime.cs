using System.Globalization;

namespace IntegrationHub.Legal;

/// <summary>
/// Legal delays are counted in Europe/Paris calendar days (LEGAL.md §1.2): instants are stored in UTC and converted
/// here, never with the server's local time zone.
/// </summary>
public static class ParisTime
{
    // Since .NET 6 the IANA id resolves on every OS (converted to "Romance Standard Time" on Windows).
    public static TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    public static DateOnly ToParisDate(DateTimeOffset instant) => DateOnly.FromDateTime(ToParisLocal(instant));

    /// <summary>The Paris wall-clock time of an instant, with <see cref="DateTimeKind.Unspecified"/>.</summary>
    public static DateTime ToParisLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone).DateTime;

    /// <summary>
    /// The instant of a Paris wall-clock time. A time of the spring-forward gap (for example 29 March 2026, 02:30) does
    /// not exist and is rejected. A time of the autumn fall-back hour (for example 25 October 2026, 02:30) occurs twice:
    /// the first occurrence, still in summer time (UTC+2), is chosen, so that a deadline never falls later than meant.
    /// </summary>
    /// <param name="parisLocal">A wall-clock time with <see cref="DateTimeKind.Unspecified"/>.</param>
    /// <exception cref="ArgumentException">The kind is not Unspecified, or the time does not exist in Paris.</exception>
    public static DateTimeOffset ToInstant(DateTime parisLocal)
    {
        if (parisLocal.Kind != DateTimeKind.Unspecified)
        {
            throw new ArgumentException(
                $"Une heure locale de Paris est attendue (DateTimeKind.Unspecified), et non une heure de type {parisLocal.Kind} : pour un instant déjà connu, utilisez directement un DateTimeOffset.",
                nameof(parisLocal));
        }

        if (Zone.IsInvalidTime(parisLocal))
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"L'heure {parisLocal:yyyy-MM-dd HH:mm} n'existe pas à Paris : elle tombe dans l'heure sautée lors du passage à l'heure d'été."),
                nameof(parisLocal));
        }

        if (Zone.IsAmbiguousTime(parisLocal))
        {
            return new DateTimeOffset(parisLocal, Zone.GetAmbiguousTimeOffsets(parisLocal).Max());
        }

        return new DateTimeOffset(parisLocal, Zone.GetUtcOffset(parisLocal));
    }
}
