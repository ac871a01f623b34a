using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Cryptography;

namespace IntegrationHub.Connectors.Email;

/// <summary>DKIM signing (RFC 6376) of outgoing messages with MimeKit, when the settings give a domain, selector and key.</summary>
internal static partial class DkimSigning
{
    // RFC 8301: signers must use RSA keys of at least 1024 bits (verifiers may refuse smaller ones).
    internal const int MinimumKeyBits = 1024;

    // The headers a receiver shows or threads on; the idempotency header is left out, relays may rewrite X- headers.
    private static readonly HeaderId[] SignedHeaders =
    [
        HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId,
        HeaderId.ContentType, HeaderId.MimeVersion,
    ];

    /// <summary>The signer for <paramref name="options"/>, or null when DKIM is not configured.</summary>
    public static DkimSigner? CreateSigner(EmailOptions options)
    {
        if (!options.SignsWithDkim)
        {
            return null;
        }

        var domain = options.DkimDomain!.Trim().ToLowerInvariant();
        using var pem = new MemoryStream(Encoding.ASCII.GetBytes(options.DkimPrivateKeyPem!));
        return new DkimSigner(pem, domain, options.DkimSelector!.Trim(), DkimSignatureAlgorithm.RsaSha256)
        {
            // Relaxed/relaxed survives the header refolding and trailing-space changes relays commonly make.
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            AgentOrUserIdentifier = "@" + domain,
            QueryMethod = "dns/txt",
        };
    }

    /// <summary>Signs <paramref name="message"/>; it must not change afterwards.</summary>
    public static void Sign(MimeMessage message, DkimSigner signer)
    {
        // Transfer encodings are fixed before signing: were the SMTP client to re-encode a part for a server
        // without 8BITMIME, the body hash would no longer match.
        message.Prepare(EncodingConstraint.SevenBit);
        signer.Sign(message, SignedHeaders);
    }

    public static bool IsValidDomain(string domain)
    {
        var trimmed = domain.Trim();
        return trimmed.Contains('.', StringComparison.Ordinal) && Uri.CheckHostName(trimmed) == UriHostNameType.Dns;
    }

    public static bool IsValidSelector(string selector) => SelectorPattern().IsMatch(selector.Trim());

    public static bool CanLoadPrivateKey(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa.KeySize >= MinimumKeyBits && HasPrivateKey(rsa);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static bool HasPrivateKey(RSA rsa)
    {
        try
        {
            return rsa.ExportParameters(includePrivateParameters: true).D is { Length: > 0 };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex SelectorPattern();
}
