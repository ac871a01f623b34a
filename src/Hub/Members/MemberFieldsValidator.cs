using System.Globalization;
using System.Net.Mail;
using System.Text;
using IntegrationHub.Text;

namespace IntegrationHub.Members;

/// <summary>
/// Checks and normalises a member's details as typed in the API or a CSV import, so that every channel
/// receives an address it can use and every error names the field to fix.
/// </summary>
public static class MemberFieldsValidator
{
    public const int MaxNameLength = 100;

    private const string Nbsp = French.Nbsp;

    private const string PaperRequestRule =
        "CGCT, art. L2121-10, modifié par la loi n°" + Nbsp + "2019-1461 du 27" + Nbsp + "décembre 2019, art." + Nbsp + "9";

    private static readonly string[] DateFormats = ["yyyy-MM-dd", "dd/MM/yyyy", "d/M/yyyy"];

    /// <summary>
    /// Returns the normalised fields, or <see langword="null"/> with at least one error. A missing
    /// <paramref name="delivery"/> means electronic; <paramref name="paperRequestedOn"/> (<c>AAAA-MM-JJ</c> or
    /// <c>JJ/MM/AAAA</c>) is required for paper and ignored for electronic delivery.
    /// </summary>
    public static MemberFields? Validate(
        string? firstName,
        string? lastName,
        string? email,
        string? mobile,
        string? m365Upn,
        string? delivery,
        string? paperRequestedOn,
        out IReadOnlyList<FieldError> errors)
    {
        var found = new List<FieldError>();
        var preference = ParseDelivery(delivery, out var deliveryError);

        var first = Name(firstName, "firstName", "Le prénom", found);
        var last = Name(lastName, "lastName", "Le nom", found);
        var normalizedEmail = Email(email, preference, found);
        var normalizedMobile = Mobile(mobile, found);
        var upn = Upn(m365Upn, found);
        if (deliveryError is not null)
        {
            found.Add(deliveryError);
        }

        var requestedOn = preference == DeliveryPreference.Paper ? PaperRequest(paperRequestedOn, found) : null;

        errors = found;
        return found.Count == 0 && preference is { } valid
            ? new MemberFields(first!, last!, normalizedEmail, normalizedMobile, upn, valid, requestedOn)
            : null;
    }

    /// <summary>
    /// A mobile number in E.164 (<c>+33612345678</c>), from international (<c>+33…</c>, <c>0033…</c>) or French
    /// national (<c>06 12 34 56 78</c>) notation; <see langword="null"/> when it cannot be one.
    /// </summary>
    public static string? NormalizeMobile(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var compact = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is not (' ' or '.' or '-' or '/' or '\t' or '\u00A0' or '\u202F'))
            {
                compact.Append(c);
            }
        }

        // « +33 (0)6 12 34 56 78 »: the bracketed trunk zero is dropped when dialling from abroad.
        var number = compact.ToString().Replace("(0)", "", StringComparison.Ordinal);
        if (number.StartsWith("00", StringComparison.Ordinal))
        {
            number = "+" + number[2..];
        }

        if (number.StartsWith('+'))
        {
            var digits = number[1..];
            if (!IsDigits(digits))
            {
                return null;
            }

            if (digits.StartsWith("33", StringComparison.Ordinal))
            {
                var national = digits[2..];
                if (national.Length == 10 && national[0] == '0')
                {
                    national = national[1..];
                }

                return national.Length == 9 && national[0] != '0' ? "+33" + national : null;
            }

            // E.164: at most 15 digits, country code included; no country code starts with 0.
            return digits.Length is >= 8 and <= 15 && digits[0] != '0' ? "+" + digits : null;
        }

        return number.Length == 10 && number[0] == '0' && number[1] != '0' && IsDigits(number)
            ? "+" + CountryCodeOfFrenchNumber(number) + number[1..]
            : null;
    }

    // French overseas mobiles are dialled with a national 0 like metropolitan ones but belong to their own
    // country codes (ARCEP numbering plan); sending them to +33 would reach nobody.
    private static string CountryCodeOfFrenchNumber(string national) => national[..4] switch
    {
        "0690" or "0691" => "590",
        "0692" or "0693" or "0639" => "262",
        "0694" => "594",
        "0696" or "0697" => "596",
        _ => "33",
    };

    private static DeliveryPreference? ParseDelivery(string? raw, out FieldError? error)
    {
        error = null;
        var value = Clean(raw);
        if (value is null)
        {
            // CGCT L2121-10 (loi n° 2019-1461, art. 9): the convocation is electronic unless the member asked for paper.
            return DeliveryPreference.Electronic;
        }

        if (string.Equals(value, DeliveryNames.Electronic, StringComparison.OrdinalIgnoreCase))
        {
            return DeliveryPreference.Electronic;
        }

        if (string.Equals(value, DeliveryNames.Paper, StringComparison.OrdinalIgnoreCase))
        {
            return DeliveryPreference.Paper;
        }

        error = new FieldError(
            "delivery",
            $"Le mode d'envoi «{Nbsp}{value}{Nbsp}» n'est pas reconnu{Nbsp}: indiquez «{Nbsp}electronic{Nbsp}» (électronique) ou «{Nbsp}paper{Nbsp}» (papier).");
        return null;
    }

    private static string? Name(string? raw, string field, string label, List<FieldError> errors)
    {
        var value = Clean(raw);
        if (value is null)
        {
            errors.Add(new FieldError(field, $"{label} est obligatoire."));
        }
        else if (value.Length > MaxNameLength)
        {
            errors.Add(new FieldError(field, $"{label} ne doit pas dépasser {MaxNameLength}{Nbsp}caractères."));
        }

        return value;
    }

    private static string? Email(string? raw, DeliveryPreference? delivery, List<FieldError> errors)
    {
        var value = Clean(raw);
        if (value is null)
        {
            if (delivery == DeliveryPreference.Electronic)
            {
                errors.Add(new FieldError(
                    "email",
                    "L'adresse électronique est obligatoire pour un envoi électronique, le mode d'envoi par défaut "
                    + $"({PaperRequestRule}){Nbsp}; sans adresse, choisissez l'envoi papier à la demande écrite de l'élu."));
            }

            return null;
        }

        var lower = value.ToLowerInvariant();
        if (!IsEmail(lower))
        {
            errors.Add(new FieldError("email", $"L'adresse électronique «{Nbsp}{value}{Nbsp}» n'est pas valide."));
        }

        return lower;
    }

    private static string? Mobile(string? raw, List<FieldError> errors)
    {
        var value = Clean(raw);
        if (value is null)
        {
            return null;
        }

        var normalized = NormalizeMobile(value);
        if (normalized is null)
        {
            errors.Add(new FieldError(
                "mobile",
                $"Le numéro de portable «{Nbsp}{value}{Nbsp}» n'est pas valide{Nbsp}: indiquez-le au format international, par exemple +33612345678."));
        }

        return normalized;
    }

    private static string? Upn(string? raw, List<FieldError> errors)
    {
        var value = Clean(raw);
        if (value is null)
        {
            return null;
        }

        var lower = value.ToLowerInvariant();
        var at = lower.IndexOf('@', StringComparison.Ordinal);
        var valid = at > 0
            && at == lower.LastIndexOf('@')
            && !lower.Any(char.IsWhiteSpace)
            && IsDomain(lower[(at + 1)..]);
        if (!valid)
        {
            errors.Add(new FieldError(
                "m365Upn",
                $"L'identifiant Microsoft 365 «{Nbsp}{value}{Nbsp}» n'est pas valide{Nbsp}: il a la forme d'une adresse, par exemple prenom.nom@commune.fr."));
        }

        return lower;
    }

    private static DateOnly? PaperRequest(string? raw, List<FieldError> errors)
    {
        var value = Clean(raw);
        if (value is null)
        {
            errors.Add(new FieldError(
                "paperRequestedOn",
                $"L'envoi papier n'est possible que si l'élu l'a demandé par écrit ({PaperRequestRule}){Nbsp}: indiquez la date de sa demande."));
            return null;
        }

        if (DateOnly.TryParseExact(value, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date;
        }

        errors.Add(new FieldError(
            "paperRequestedOn",
            $"La date de demande d'envoi papier «{Nbsp}{value}{Nbsp}» n'est pas valide{Nbsp}: indiquez-la au format AAAA-MM-JJ ou JJ/MM/AAAA."));
        return null;
    }

    private static string? Clean(string? raw) => string.IsNullOrWhiteSpace(raw) ? null : raw.Trim();

    internal static bool IsEmail(string value) =>
        !value.Any(char.IsWhiteSpace)
        && MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.DisplayName.Length == 0
        && IsDomain(address.Host);

    // A dot is required: a bare host name (« mairie ») is accepted by MailAddress but never a real recipient domain.
    private static bool IsDomain(string domain) =>
        domain.Length > 2
        && domain.Contains('.', StringComparison.Ordinal)
        && !domain.StartsWith('.')
        && !domain.EndsWith('.')
        && !domain.Contains("..", StringComparison.Ordinal)
        && !domain.Contains('@', StringComparison.Ordinal)
        && !domain.Contains('[', StringComparison.Ordinal);

    private static bool IsDigits(string value) => value.Length > 0 && value.All(char.IsAsciiDigit);
}
