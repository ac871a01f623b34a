using PhoneNumbers;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>Checks a recipient's mobile number with libphonenumber before anything is sent.</summary>
internal static class MobileNumber
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// The number in strict E.164 form (<c>+33612345678</c>), or <see langword="null"/> when it is not a valid
    /// international number.
    /// </summary>
    /// <remarks>
    /// The number must carry its country code (leading <c>+</c>): members live in France, but guessing a region for a
    /// national number (<c>06…</c>) would hide a data-entry error. Spaces, dots and dashes are tolerated and dropped.
    /// </remarks>
    public static string? ToE164(string? number)
    {
        if (string.IsNullOrWhiteSpace(number) || !number.TrimStart().StartsWith('+'))
        {
            return null;
        }

        try
        {
            var parsed = Util.Parse(number, null);
            return Util.IsValidNumber(parsed) ? Util.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
