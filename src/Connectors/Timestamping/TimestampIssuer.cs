using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Plugins.Timestamping;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>
/// Issues RFC 3161 time-stamp tokens with a certificate and its private key, in process (<see cref="Issue"/>: a
/// digest in, a token out) or behind an HTTP endpoint (<see cref="Respond"/>: a TimeStampReq in, a TimeStampResp out).
/// Built with public .NET APIs only (INTEGRATIONS.md §6): a TSTInfo, a SignedCms carrying the mandatory
/// SigningCertificateV2 attribute, and the TimeStampResp around it. Thread-safe.
/// </summary>
/// <remarks>
/// The issuer does not check the certificate: one made by <see cref="TimestampCertificates.CreateSigningCertificate"/>
/// has what verifiers require (a single critical time-stamping EKU). The time is the <see cref="TimeProvider"/>'s, to
/// the second (the declared accuracy).
/// </remarks>
public sealed class TimestampIssuer
{
    private const long AccuracyInMicroseconds = 1_000_000;

    private readonly X509Certificate2 _certificate;
    private readonly TimeProvider _time;
    private readonly Oid _policy;
    private readonly byte[] _signingCertificateV2;

    /// <summary>Creates an issuer.</summary>
    /// <param name="signingCertificate">The TSA certificate, with its private key.</param>
    /// <param name="time">The clock the tokens assert.</param>
    /// <param name="policyOid">The TSA policy written in every token; <see cref="TimestampOids.DefaultPolicy"/> when omitted.</param>
    /// <exception cref="ArgumentException">The certificate has no private key, or the policy is not an OID.</exception>
    public TimestampIssuer(X509Certificate2 signingCertificate, TimeProvider time, string? policyOid = null)
    {
        ArgumentNullException.ThrowIfNull(signingCertificate);
        ArgumentNullException.ThrowIfNull(time);
        if (!signingCertificate.HasPrivateKey)
        {
            throw new ArgumentException($"The TSA certificate {signingCertificate.Subject} has no private key.", nameof(signingCertificate));
        }

        policyOid ??= TimestampOids.DefaultPolicy;
        if (!TimestampOids.IsObjectIdentifier(policyOid))
        {
            throw new ArgumentException($"'{policyOid}' is not an object identifier.", nameof(policyOid));
        }

        _certificate = signingCertificate;
        _time = time;
        _policy = new Oid(policyOid);
        _signingCertificateV2 = SigningCertificateV2(signingCertificate);
    }

    /// <summary>The policy OID written in every token.</summary>
    public string PolicyOid => _policy.Value!;

    /// <summary>The signing certificate (without exposing its key to callers that only need the public part).</summary>
    public X509Certificate2 Certificate => _certificate;

    /// <summary>Stamps a SHA-256 digest in process.</summary>
    /// <param name="sha256">The 32-byte digest.</param>
    /// <param name="nonce">A nonce to copy into the token, if any.</param>
    /// <returns>The token (DER) and the time it asserts; it carries the signing certificate.</returns>
    /// <exception cref="ArgumentException">The digest is not 32 bytes.</exception>
    public TimestampToken Issue(ReadOnlyMemory<byte> sha256, ReadOnlyMemory<byte>? nonce = null)
    {
        if (sha256.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException($"A SHA-256 digest is {SHA256.HashSizeInBytes} bytes (got {sha256.Length}).", nameof(sha256));
        }

        return Sign(new Oid(TimestampOids.Sha256), sha256, nonce, includeCertificate: true);
    }

    /// <summary>Answers a TimeStampReq as an HTTP TSA does (RFC 3161 §3.4). Never throws for a bad request.</summary>
    /// <param name="request">The request body (<c>application/timestamp-query</c>).</param>
    /// <returns>
    /// The TimeStampResp (<c>application/timestamp-reply</c>): granted with a token, or a rejection (status 2) whose
    /// failInfo says why — badDataFormat for bytes that are no request, badAlg for a hash other than SHA-256/384/512,
    /// unacceptedPolicy, unacceptedExtension.
    /// </returns>
    public byte[] Respond(ReadOnlySpan<byte> request)
    {
        if (!Rfc3161TimestampRequest.TryDecode(request.ToArray(), out var decoded, out var consumed) || consumed != request.Length)
        {
            return Rejection(TimestampFailures.BadDataFormat, "The request is not a DER TimeStampReq.");
        }

        var hash = decoded.GetMessageHash();
        var expectedLength = TimestampOids.DigestLength(decoded.HashAlgorithmId.Value);
        if (expectedLength is null)
        {
            return Rejection(TimestampFailures.BadAlgorithm, $"Hash algorithm {decoded.HashAlgorithmId.Value} is not accepted; use SHA-256, SHA-384 or SHA-512.");
        }

        if (hash.Length != expectedLength)
        {
            return Rejection(TimestampFailures.BadDataFormat, $"The message imprint is {hash.Length} bytes, not the {expectedLength} of its algorithm.");
        }

        if (decoded.RequestedPolicyId is { } requested && requested.Value != PolicyOid)
        {
            return Rejection(TimestampFailures.UnacceptedPolicy, $"Policy {requested.Value} is not served; this TSA issues under {PolicyOid}.");
        }

        if (decoded.HasExtensions)
        {
            return Rejection(TimestampFailures.UnacceptedExtension, "Request extensions are not supported.");
        }

        var token = Sign(decoded.HashAlgorithmId, hash, decoded.GetNonce(), decoded.RequestSignerCertificate);
        return Granted(token.Der.Span);
    }

    /// <summary>A granted TimeStampResp around a token.</summary>
    /// <param name="tokenDer">The token.</param>
    /// <returns>The response.</returns>
    public static byte[] Granted(ReadOnlySpan<byte> tokenDer) => TimeStampResp.Encode(TimestampStatus.Granted, null, TimestampFailures.None, tokenDer);

    /// <summary>A TimeStampResp with status rejection (2).</summary>
    /// <param name="failures">The failInfo bits.</param>
    /// <param name="text">The statusString.</param>
    /// <returns>The response.</returns>
    public static byte[] Rejection(TimestampFailures failures, string text) => TimeStampResp.Encode(TimestampStatus.Rejection, text, failures, []);

    private TimestampToken Sign(Oid hashAlgorithm, ReadOnlyMemory<byte> hash, ReadOnlyMemory<byte>? nonce, bool includeCertificate)
    {
        // Whole seconds: the declared accuracy is one second, and verifiers compare certificate validity to this time.
        var now = _time.GetUtcNow();
        var generatedAt = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var info = new Rfc3161TimestampTokenInfo(
            _policy,
            hashAlgorithm,
            hash,
            SerialNumber(now),
            generatedAt,
            AccuracyInMicroseconds,
            isOrdering: false,
            nonce: nonce);
        var cms = new SignedCms(new ContentInfo(new Oid(TimestampOids.TstInfoContentType), info.Encode()), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _certificate)
        {
            DigestAlgorithm = new Oid(TimestampOids.Sha256),
            IncludeOption = includeCertificate ? X509IncludeOption.EndCertOnly : X509IncludeOption.None,
        };
        signer.SignedAttributes.Add(new AsnEncodedData(new Oid(TimestampOids.SigningCertificateV2), _signingCertificateV2));
        signer.SignedAttributes.Add(new Pkcs9SigningTime(generatedAt.UtcDateTime));
        cms.ComputeSignature(signer, silent: true);
        return new TimestampToken(cms.Encode(), generatedAt);
    }

    // Unique without coordination between processes sharing a key: a version-7 GUID is 48 bits of milliseconds and 74
    // random bits. A leading zero byte keeps the INTEGER positive.
    private static byte[] SerialNumber(DateTimeOffset now)
    {
        var bytes = Guid.CreateVersion7(now).ToByteArray(bigEndian: true);
        return bytes[0] >= 0x80 ? [0, .. bytes] : bytes;
    }

    // SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 }, ESSCertIDv2 ::= SEQUENCE { certHash OCTET STRING }
    // (hashAlgorithm omitted: SHA-256 is the default, RFC 5035 §3).
    private static byte[] SigningCertificateV2(X509Certificate2 certificate)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
        using (writer.PushSequence())
        {
            writer.WriteOctetString(SHA256.HashData(certificate.RawData));
        }

        return writer.Encode();
    }
}
