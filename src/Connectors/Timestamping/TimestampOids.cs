using System.Security.Cryptography;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>The object identifiers RFC 3161, RFC 5035 and RFC 5280 give the pieces of a time-stamp.</summary>
public static class TimestampOids
{
    /// <summary>id-kp-timeStamping, the only extended key usage a TSA certificate may carry (RFC 3161 §2.3).</summary>
    public const string TimeStampingKeyUsage = "1.3.6.1.5.5.7.3.8";

    /// <summary>id-ct-TSTInfo, the content type of a time-stamp token.</summary>
    public const string TstInfoContentType = "1.2.840.113549.1.9.16.1.4";

    /// <summary>id-aa-signingCertificateV2 (RFC 5035), the signed attribute binding the token to its certificate.</summary>
    public const string SigningCertificateV2 = "1.2.840.113549.1.9.16.2.47";

    /// <summary>id-sha256.</summary>
    public const string Sha256 = "2.16.840.1.101.3.4.2.1";

    /// <summary>id-sha384.</summary>
    public const string Sha384 = "2.16.840.1.101.3.4.2.2";

    /// <summary>id-sha512.</summary>
    public const string Sha512 = "2.16.840.1.101.3.4.2.3";

    /// <summary>
    /// The policy of the hub's own tokens when none is configured: a UUID-based OID (ITU-T X.667, arc 2.25), which needs no
    /// registration. It says « issued by an integration hub, not qualified », nothing more.
    /// </summary>
    public const string DefaultPolicy = "2.25.162952889634463335203815945850976612341";

    /// <summary>The digest length of the hash algorithms a TSA of this hub accepts, or <see langword="null"/> for any other.</summary>
    /// <param name="hashAlgorithm">The algorithm's OID.</param>
    /// <returns>The length in bytes.</returns>
    public static int? DigestLength(string? hashAlgorithm) => hashAlgorithm switch
    {
        Sha256 => SHA256.HashSizeInBytes,
        Sha384 => SHA384.HashSizeInBytes,
        Sha512 => SHA512.HashSizeInBytes,
        _ => null,
    };

    /// <summary>Whether <paramref name="value"/> is a dotted object identifier (<c>1.2.250.1.…</c>): X.660 first arcs, no leading zeros.</summary>
    /// <param name="value">The text.</param>
    /// <returns>Whether it is one.</returns>
    public static bool IsObjectIdentifier(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return false;
        }

        var arcs = value.Split('.');
        if (arcs.Length < 2 || arcs.Any(a => a.Length == 0 || !a.All(char.IsAsciiDigit) || (a.Length > 1 && a[0] == '0')))
        {
            return false;
        }

        // X.660: the first arc is 0, 1 or 2; under 0 and 1 the second is at most 39.
        return arcs[0] switch
        {
            "0" or "1" => arcs[1].Length <= 2 && int.Parse(arcs[1], System.Globalization.CultureInfo.InvariantCulture) <= 39,
            "2" => true,
            _ => false,
        };
    }
}
