using System.Text.RegularExpressions;
using IntegrationHub.Legal;

namespace IntegrationHub.Authorities;

public static partial class AuthorityValidation
{
    public static bool TryParseKind(string? value, out AuthorityKind kind)
    {
        kind = default;
        switch (value?.Trim().ToLowerInvariant())
        {
            case "commune": kind = AuthorityKind.Commune; return true;
            case "epci": kind = AuthorityKind.Epci; return true;
            case "departement" or "département": kind = AuthorityKind.Departement; return true;
            case "region" or "région": kind = AuthorityKind.Region; return true;
            case "other" or "autre": kind = AuthorityKind.Other; return true;
            default: return false;
        }
    }

    public static string KindName(AuthorityKind kind) => kind switch
    {
        AuthorityKind.Commune => "commune",
        AuthorityKind.Epci => "epci",
        AuthorityKind.Departement => "departement",
        AuthorityKind.Region => "region",
        _ => "other",
    };

    /// <summary>A SIREN is 9 digits whose Luhn checksum is valid (INSEE); La Poste's 356000000 is the documented exception.</summary>
    public static bool IsValidSiren(string siren)
    {
        if (siren.Length != 9 || !siren.All(char.IsAsciiDigit))
        {
            return false;
        }
        if (siren == "356000000")
        {
            return true;
        }
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            var digit = siren[8 - i] - '0';
            if (i % 2 == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }
            sum += digit;
        }
        return sum % 10 == 0;
    }

    /// <summary>
    /// Normalises a département code to the three-character form used by ACTES (LEGAL.md §7.4: <c>034</c>, <c>02A</c>, <c>971</c>).
    /// </summary>
    public static string? NormalizeDepartmentCode(string? value)
    {
        var code = value?.Trim().ToUpperInvariant() ?? "";
        if (code.Length == 1 && char.IsAsciiDigit(code[0]))
        {
            code = "0" + code;
        }
        if (code.Length == 2)
        {
            code = "0" + code;
        }
        return DepartmentCode().IsMatch(code) ? code : null;
    }

    [GeneratedRegex("^(0(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B)|97[1-6])$")]
    private static partial Regex DepartmentCode();
}
