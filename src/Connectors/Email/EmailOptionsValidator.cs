using System.Globalization;
using Microsoft.Extensions.Options;
using MimeKit;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Validates <see cref="EmailOptions"/> at startup. Each error names the configuration path and the bad value,
/// never a secret.
/// </summary>
internal sealed class EmailOptionsValidator : IValidateOptions<EmailOptions>
{
    internal const int MaxTimeoutSeconds = 600;
    internal const int MaxConnectionsLimit = 16;

    public ValidateOptionsResult Validate(string? name, EmailOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = string.IsNullOrEmpty(name) || name == Options.DefaultName
            ? EmailOptions.SectionName
            : EmailOptions.SectionName + ":" + name;
        var errors = new List<string>();

        if (string.IsNullOrWhiteSpace(options.FromAddress))
        {
            errors.Add($"{section}:FromAddress is required.");
        }
        else if (!EmailAddresses.TryParse(options.FromAddress, out _))
        {
            errors.Add($"{section}:FromAddress '{options.FromAddress}' is not a valid email address.");
        }

        if (options.Port is < 1 or > 65535)
        {
            errors.Add(Invariant($"{section}:Port '{options.Port}' must be between 1 and 65535."));
        }

        if (!Enum.IsDefined(options.Security))
        {
            errors.Add(Invariant(
                $"{section}:Security '{options.Security}' must be one of {string.Join(", ", Enum.GetNames<SmtpSecurity>())}."));
        }

        if (options.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            errors.Add(Invariant(
                $"{section}:TimeoutSeconds '{options.TimeoutSeconds}' must be between 1 and {MaxTimeoutSeconds}."));
        }

        if (options.MaxConnections is < 1 or > MaxConnectionsLimit)
        {
            errors.Add(Invariant(
                $"{section}:MaxConnections '{options.MaxConnections}' must be between 1 and {MaxConnectionsLimit}."));
        }

        ValidateDkim(options, section, errors);

        if (options.UsesPickupDirectory && string.IsNullOrWhiteSpace(options.PickupDirectory))
        {
            errors.Add($"{section}:PickupDirectory is required when {section}:Host is empty (no SMTP server).");
        }

        // Half-configured credentials would silently send unauthenticated: refuse them rather than guess.
        if (!string.IsNullOrEmpty(options.UserName) && string.IsNullOrEmpty(options.Password))
        {
            errors.Add($"{section}:Password is required when {section}:UserName '{options.UserName}' is set.");
        }
        else if (string.IsNullOrEmpty(options.UserName) && !string.IsNullOrEmpty(options.Password))
        {
            errors.Add($"{section}:UserName is required when {section}:Password is set.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateDkim(EmailOptions options, string section, List<string> errors)
    {
        var given = new (string Name, bool Set)[]
        {
            ("DkimDomain", !string.IsNullOrWhiteSpace(options.DkimDomain)),
            ("DkimSelector", !string.IsNullOrWhiteSpace(options.DkimSelector)),
            ("DkimPrivateKeyPem", !string.IsNullOrWhiteSpace(options.DkimPrivateKeyPem)),
        };
        if (given.All(g => !g.Set))
        {
            return;
        }

        // Half a DKIM configuration would silently send unsigned mail that DMARC may reject: refuse it.
        foreach (var (name, set) in given.Where(g => !g.Set))
        {
            errors.Add($"{section}:{name} is required when DKIM signing is configured (DkimDomain, DkimSelector, DkimPrivateKeyPem).");
        }

        if (!string.IsNullOrWhiteSpace(options.DkimDomain) && !DkimSigning.IsValidDomain(options.DkimDomain))
        {
            errors.Add($"{section}:DkimDomain '{options.DkimDomain}' is not a valid domain name.");
        }

        if (!string.IsNullOrWhiteSpace(options.DkimSelector) && !DkimSigning.IsValidSelector(options.DkimSelector))
        {
            errors.Add($"{section}:DkimSelector '{options.DkimSelector}' is not a valid selector (letters, digits, '-', '.').");
        }

        if (!string.IsNullOrWhiteSpace(options.DkimPrivateKeyPem) && !DkimSigning.CanLoadPrivateKey(options.DkimPrivateKeyPem))
        {
            errors.Add($"{section}:DkimPrivateKeyPem is not a PEM RSA private key.");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

internal static class EmailAddresses
{
    /// <summary>Parses a bare address (<c>local@domain</c>, no display name, no list).</summary>
    public static bool TryParse(string? text, out MailboxAddress mailbox)
    {
        mailbox = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            var parsed = new MailboxAddress(string.Empty, text.Trim());
            if (string.IsNullOrEmpty(parsed.Domain) || string.IsNullOrEmpty(parsed.LocalPart))
            {
                return false;
            }

            mailbox = parsed;
            return true;
        }
        catch (ParseException)
        {
            return false;
        }
    }
}
