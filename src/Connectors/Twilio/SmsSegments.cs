namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// How many SMS parts a body takes (3GPP TS 23.038 alphabets, TS 23.040 concatenation), the way the network counts
/// them and Twilio bills them.
/// </summary>
/// <remarks>
/// A body made only of GSM-7 characters takes 160 septets in one SMS, or 153 per part once concatenated (the user data
/// header takes the rest); characters of the extension table (<c>€ { } [ ] \ ~ ^ |</c> and form feed) take two septets
/// and an escape pair is never split between parts. Any other character (<c>œ ç ê « »</c>, emoji…) switches the whole
/// body to UCS-2: 70 UTF-16 code units in one SMS, 67 per part, and a surrogate pair is never split.
/// </remarks>
public static class SmsSegments
{
    /// <summary>GSM-7 septets in a single SMS.</summary>
    public const int Gsm7Single = 160;

    /// <summary>GSM-7 septets in each part of a concatenated SMS.</summary>
    public const int Gsm7Concatenated = 153;

    /// <summary>UTF-16 code units in a single UCS-2 SMS.</summary>
    public const int Ucs2Single = 70;

    /// <summary>UTF-16 code units in each part of a concatenated UCS-2 SMS.</summary>
    public const int Ucs2Concatenated = 67;

    // The GSM 03.38 default alphabet, in table order (0x1B, the escape, is left out).
    private const string Gsm7Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Gsm7Extension = "\f^{}\\[~]|€";

    /// <summary>The number of SMS parts <paramref name="body"/> takes; 0 for an empty body.</summary>
    /// <param name="body">The text to send.</param>
    /// <returns>1 for a body that fits one SMS, otherwise the number of concatenated parts.</returns>
    public static int Count(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (body.Length == 0)
        {
            return 0;
        }

        return IsGsm7(body) ? CountGsm7(body) : CountUcs2(body);
    }

    /// <summary>
    /// The same text in the GSM-7 alphabet when it only missed it by accents and typography: letters lose the accents
    /// GSM-7 lacks (« Côte » → « Cote », « œ » → « oe »; é è ù à keep theirs), French quotes become straight ones,
    /// non-breaking spaces plain ones, « n° » « no ». Text that would still need UCS-2 (other scripts, emoji) is returned
    /// unchanged. A French name with one « ô » otherwise doubles the parts an SMS takes (70 instead of 160 per SMS).
    /// </summary>
    /// <param name="body">The text to send.</param>
    /// <returns>A GSM-7 text when it can be made one honestly, else <paramref name="body"/>.</returns>
    public static string ToGsm7(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (IsGsm7(body))
        {
            return body;
        }
        var result = new System.Text.StringBuilder(body.Length);
        foreach (var c in body)
        {
            if (IsGsm7Char(c))
            {
                result.Append(c);
                continue;
            }
            var replacement = c switch
            {
                '\u00A0' or '\u202F' or '\u2009' => " ",
                '«' or '»' or '“' or '”' or '„' => "\"",
                '‘' or '’' or '‚' or '′' => "'",
                '–' or '—' or '‐' or '−' => "-",
                '…' => "...",
                '°' or 'º' => "o",
                'œ' => "oe",
                'Œ' => "OE",
                _ => WithoutAccent(c),
            };
            if (replacement is null)
            {
                return body;
            }
            result.Append(replacement);
        }
        return result.ToString();
    }

    private static bool IsGsm7Char(char c) => Gsm7Basic.Contains(c, StringComparison.Ordinal) || Gsm7Extension.Contains(c, StringComparison.Ordinal);

    private static string? WithoutAccent(char c)
    {
        if (char.IsSurrogate(c))
        {
            return null;
        }
        var decomposed = c.ToString().Normalize(System.Text.NormalizationForm.FormD);
        var letter = decomposed.Length > 0 ? decomposed[0] : c;
        return decomposed.Length > 1 && IsGsm7Char(letter) ? letter.ToString() : null;
    }

    /// <summary>Whether every character of <paramref name="body"/> is in the GSM-7 default alphabet or its extension table.</summary>
    /// <param name="body">The text to send.</param>
    /// <returns><see langword="true"/> when the body is sent as GSM-7, <see langword="false"/> when it needs UCS-2.</returns>
    public static bool IsGsm7(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        foreach (var c in body)
        {
            if (!Gsm7Basic.Contains(c, StringComparison.Ordinal) && !Gsm7Extension.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static int CountGsm7(string body)
    {
        var septets = 0;
        foreach (var c in body)
        {
            septets += Septets(c);
        }

        if (septets <= Gsm7Single)
        {
            return 1;
        }

        var parts = 1;
        var used = 0;
        foreach (var c in body)
        {
            var size = Septets(c);
            if (used + size > Gsm7Concatenated)
            {
                parts++;
                used = 0;
            }

            used += size;
        }

        return parts;
    }

    private static int CountUcs2(string body)
    {
        if (body.Length <= Ucs2Single)
        {
            return 1;
        }

        var parts = 1;
        var used = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var size = char.IsHighSurrogate(body[i]) && i + 1 < body.Length && char.IsLowSurrogate(body[i + 1]) ? 2 : 1;
            if (used + size > Ucs2Concatenated)
            {
                parts++;
                used = 0;
            }

            used += size;
            i += size - 1;
        }

        return parts;
    }

    private static int Septets(char c) => Gsm7Extension.Contains(c, StringComparison.Ordinal) ? 2 : 1;
}
