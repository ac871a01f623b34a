using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>
/// Makes the certificates of a self-run TSA: a root, and a signing certificate with what RFC 3161 §2.3 and .NET's
/// verifier demand (BasicConstraints CA=false, KeyUsage digitalSignature|nonRepudiation, a single critical EKU
/// id-kp-timeStamping). Keys are ECDSA (P-384 for the root, P-256 for the signer).
/// </summary>
public static class TimestampCertificates
{
    /// <summary>The subject of the hub's built-in TSA.</summary>
    public const string BuiltInSignerName = "Horodatage intégré du hub (non qualifié)";

    /// <summary>The subject of the hub's built-in root.</summary>
    public const string BuiltInRootName = "Autorité racine d'horodatage du hub (non qualifiée)";

    /// <summary>The organisation named in the built-in certificates.</summary>
    public const string Organisation = "Hub de convocations";

    /// <summary>Creates a self-signed root certificate, with its private key.</summary>
    /// <param name="commonName">The CN, for example <see cref="BuiltInRootName"/>.</param>
    /// <param name="notBefore">Start of validity.</param>
    /// <param name="notAfter">End of validity.</param>
    /// <returns>The root.</returns>
    public static X509Certificate2 CreateRoot(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request = new CertificateRequest(Subject(commonName), key, HashAlgorithmName.SHA384);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>Creates a TSA signing certificate issued by <paramref name="issuer"/>, with its private key.</summary>
    /// <param name="issuer">The root (with its private key).</param>
    /// <param name="commonName">The CN, for example <see cref="BuiltInSignerName"/>.</param>
    /// <param name="notBefore">Start of validity; clamped to the issuer's.</param>
    /// <param name="notAfter">End of validity; clamped to the issuer's.</param>
    /// <param name="criticalTimeStampingUsage">
    /// Whether the EKU is marked critical, as RFC 3161 requires. <see langword="false"/> only to prove verifiers refuse it.
    /// </param>
    /// <returns>The signing certificate.</returns>
    public static X509Certificate2 CreateSigningCertificate(
        X509Certificate2 issuer,
        string commonName,
        DateTimeOffset notBefore,
        DateTimeOffset notAfter,
        bool criticalTimeStampingUsage = true)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(Subject(commonName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.NonRepudiation, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(TimestampOids.TimeStampingKeyUsage)], critical: criticalTimeStampingUsage));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var from = notBefore < issuer.NotBefore ? new DateTimeOffset(issuer.NotBefore) : notBefore;
        var to = notAfter > issuer.NotAfter ? new DateTimeOffset(issuer.NotAfter) : notAfter;
        using var certificate = request.Create(issuer, from, to, RandomSerialNumber());
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>Reads PEM certificates (<c>-----BEGIN CERTIFICATE-----</c> blocks) in order.</summary>
    /// <param name="pem">The text.</param>
    /// <returns>The certificates; empty when there is none.</returns>
    /// <exception cref="CryptographicException">A block is not a certificate.</exception>
    public static IReadOnlyList<X509Certificate2> ReadPem(string pem)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var certificates = new List<X509Certificate2>();
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (!label.SequenceEqual("CERTIFICATE"))
            {
                throw new CryptographicException($"A PEM block is labelled '{label}', not CERTIFICATE.");
            }

            var der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
            certificates.Add(X509CertificateLoader.LoadCertificate(der));
            rest = rest[fields.Location.End..];
        }

        return certificates;
    }

    /// <summary>Writes certificates as PEM, one block each.</summary>
    /// <param name="certificates">The certificates.</param>
    /// <returns>The text.</returns>
    public static string ToPem(IEnumerable<X509Certificate2> certificates) =>
        string.Concat(certificates.Select(c => c.ExportCertificatePem() + "\n"));

    private static X500DistinguishedName Subject(string commonName)
    {
        // UTF8String for the accents (« intégré »), which PrintableString cannot carry.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCountryOrRegion("FR");
        builder.AddOrganizationName(Organisation);
        builder.AddCommonName(commonName);
        return builder.Build();
    }

    private static byte[] RandomSerialNumber()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x40;
        return serial;
    }
}
