using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>What <see cref="TimestampVerifier.Verify"/> found.</summary>
/// <param name="IsValid">Whether the token proves the digest existed at <paramref name="GeneratedAt"/>, signed by a TSA chaining to a trusted root.</param>
/// <param name="GeneratedAt">The time the token asserts, when the token could be read.</param>
/// <param name="SignerSubject">The signing certificate's subject, when it was found.</param>
/// <param name="SerialNumber">The token's serial number (upper-case hex), when the token could be read.</param>
/// <param name="PolicyOid">The TSA policy the token was issued under, when the token could be read.</param>
/// <param name="Problem">What failed, in English, or <see langword="null"/> when valid.</param>
public sealed record TimestampVerification(
    bool IsValid,
    DateTimeOffset? GeneratedAt,
    string? SignerSubject,
    string? SerialNumber,
    string? PolicyOid,
    string? Problem);

/// <summary>
/// Verifies RFC 3161 tokens offline: the message imprint, the CMS signature and signing-certificate binding
/// (<see cref="Rfc3161TimestampToken.VerifySignatureForHash(ReadOnlySpan{byte}, HashAlgorithmName, out X509Certificate2?, X509Certificate2Collection?)"/>,
/// which also requires a single critical time-stamping EKU and a certificate valid at the token's time), then the
/// chain to one of the given roots, for the time-stamping application policy, as of the token's time.
/// </summary>
/// <remarks>
/// Revocation is <b>not</b> checked: verification is offline (an evidence bundle is checked years later, without
/// network access). Checking revocation needs the TSA's CRLs or OCSP answers archived with the token.
/// </remarks>
public static class TimestampVerifier
{
    /// <summary>Verifies a token over a SHA-256 digest.</summary>
    /// <param name="token">The token (DER), as <c>ITimestampAuthority.StampAsync</c> returned it.</param>
    /// <param name="sha256">The digest the token should cover.</param>
    /// <param name="trustedRoots">The roots to trust (for example the hub's <c>root.pem</c>, or a qualified TSA's root).</param>
    /// <param name="intermediates">Further certificates for the chain (a TSA's published chain), if any.</param>
    /// <returns>The result; never throws for a bad token.</returns>
    public static TimestampVerification Verify(
        ReadOnlyMemory<byte> token,
        ReadOnlySpan<byte> sha256,
        IEnumerable<X509Certificate2> trustedRoots,
        IEnumerable<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(trustedRoots);
        // TryDecode also refuses a token whose embedded certificate or signature is unusable: read it again as plain
        // CMS to say which.
        if (!Rfc3161TimestampToken.TryDecode(token, out var decoded, out var consumed) || consumed != token.Length)
        {
            return Undecodable(token);
        }

        var info = decoded.TokenInfo;
        var generatedAt = info.Timestamp;
        var serial = Convert.ToHexString(info.GetSerialNumber().Span);
        var policy = info.PolicyId.Value;
        TimestampVerification Invalid(string problem, string? signer = null) => new(false, generatedAt, signer, serial, policy, problem);

        if (info.HashAlgorithmId.Value != TimestampOids.Sha256)
        {
            return Invalid($"The token's message imprint uses hash algorithm {info.HashAlgorithmId.Value}, not SHA-256.");
        }

        if (!info.GetMessageHash().Span.SequenceEqual(sha256))
        {
            return Invalid("The token's message imprint does not match the digest: it was issued for other data.");
        }

        var extra = new X509Certificate2Collection();
        foreach (var certificate in intermediates ?? [])
        {
            extra.Add(certificate);
        }

        if (!decoded.VerifySignatureForHash(sha256, HashAlgorithmName.SHA256, out var signer, extra) || signer is null)
        {
            return Invalid(DiagnoseSignature(decoded.AsSignedCms(), generatedAt));
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trustedRoots.ToArray());
        chain.ChainPolicy.ExtraStore.AddRange(extra);
        chain.ChainPolicy.ExtraStore.AddRange(decoded.AsSignedCms().Certificates);
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(TimestampOids.TimeStampingKeyUsage));
        chain.ChainPolicy.VerificationTime = generatedAt.UtcDateTime;
        chain.ChainPolicy.VerificationTimeIgnored = false;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(signer))
        {
            var statuses = chain.ChainStatus.Select(s => s.Status).Distinct().Select(s => s.ToString());
            return Invalid($"The TSA certificate does not chain to a trusted root for time-stamping at the token's time ({string.Join(", ", statuses)}).", signer.Subject);
        }

        return new TimestampVerification(true, generatedAt, signer.Subject, serial, policy, null);
    }

    private static TimestampVerification Undecodable(ReadOnlyMemory<byte> token)
    {
        const string NotAToken = "The bytes are not an RFC 3161 time-stamp token.";
        var cms = new SignedCms();
        try
        {
            cms.Decode(token.Span);
        }
        catch (CryptographicException)
        {
            return new TimestampVerification(false, null, null, null, null, NotAToken);
        }

        if (cms.ContentInfo.ContentType.Value != TimestampOids.TstInfoContentType
            || !Rfc3161TimestampTokenInfo.TryDecode(cms.ContentInfo.Content, out var info, out _))
        {
            return new TimestampVerification(false, null, null, null, null, NotAToken);
        }

        var signer = cms.SignerInfos.Count == 1 ? cms.SignerInfos[0].Certificate?.Subject : null;
        return new TimestampVerification(
            false, info.Timestamp, signer, Convert.ToHexString(info.GetSerialNumber().Span), info.PolicyId.Value, DiagnoseSignature(cms, info.Timestamp));
    }

    // VerifySignatureForHash and TryDecode answer only true or false; say which of their conditions failed, for the
    // person reading it.
    private static string DiagnoseSignature(SignedCms cms, DateTimeOffset generatedAt)
    {
        if (cms.SignerInfos.Count != 1)
        {
            return "A time-stamp token has exactly one signer.";
        }

        var signerInfo = cms.SignerInfos[0];
        var signer = signerInfo.Certificate;
        if (signer is null)
        {
            return "The token does not carry its signing certificate, and none of the given certificates signed it.";
        }

        var usages = signer.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        if (usages.Count != 1 || !usages[0].Critical || usages[0].EnhancedKeyUsages.Count != 1
            || usages[0].EnhancedKeyUsages[0].Value != TimestampOids.TimeStampingKeyUsage)
        {
            return $"The signing certificate {signer.Subject} is not a TSA certificate: it needs exactly one extended key usage, critical, id-kp-timeStamping (RFC 3161 §2.3).";
        }

        if (generatedAt < signer.NotBefore || generatedAt > signer.NotAfter)
        {
            return string.Create(
                CultureInfo.InvariantCulture,
                $"The signing certificate {signer.Subject} was not valid at the token's time {generatedAt:O} (valid {signer.NotBefore.ToUniversalTime():O} to {signer.NotAfter.ToUniversalTime():O}).");
        }

        try
        {
            signerInfo.CheckSignature(verifySignatureOnly: true);
        }
        catch (CryptographicException)
        {
            return $"The token's signature by {signer.Subject} does not verify: the token was altered.";
        }

        return $"The token is not bound to the certificate {signer.Subject} (its SigningCertificate/SigningCertificateV2 attribute names another).";
    }
}
