using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.Plugins.Timestamping;

namespace IntegrationHub.Tests.Evidence;

/// <summary>
/// A tiny RFC 3161 authority for tests: a self-signed certificate whose only extended key usage is time stamping,
/// marked critical (RFC 3161 §2.3, INTEGRATIONS.md §6), signing TSTInfo with a signingCertificateV2 attribute.
/// <see cref="FailuresLeft"/> makes the next calls fail, as an unreachable TSA does.
/// </summary>
internal sealed class TestTimestampAuthority : ITimestampAuthority, ITimestampAuthorityResolver, IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly TimeProvider _time;

    public TestTimestampAuthority(TimeProvider time)
    {
        _time = time;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=TSA de test, O=Hub de convocations", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        _certificate = request.CreateSelfSigned(time.GetUtcNow().AddDays(-1), time.GetUtcNow().AddYears(1));
    }

    public int FailuresLeft { get; set; }

    public int Calls { get; private set; }

    public bool IsQualified => false;

    public string DisplayName => "Horodatage de test (non qualifié)";

    public IReadOnlyList<ReadOnlyMemory<byte>> CertificateChain => [_certificate.RawData];

    public X509Certificate2 Certificate => _certificate;

    public Task<ITimestampAuthority> ForAuthorityAsync(Guid authorityId, CancellationToken cancellationToken) => Task.FromResult<ITimestampAuthority>(this);

    public Task<TimestampToken> StampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        Calls++;
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            throw new HttpRequestException("TSA unreachable (test)");
        }
        var now = _time.GetUtcNow();
        var info = new Rfc3161TimestampTokenInfo(
            new Oid("1.3.6.1.4.1.99999.1"), new Oid("2.16.840.1.101.3.4.2.1"), sha256,
            Serial(), now);
        var signed = new SignedCms(new ContentInfo(new Oid("1.2.840.113549.1.9.16.1.4"), info.Encode()), detached: false);
        var signer = new CmsSigner(SubjectIdentifierType.IssuerAndSerialNumber, _certificate) { DigestAlgorithm = new Oid("2.16.840.1.101.3.4.2.1") };
        signer.SignedAttributes.Add(new AsnEncodedData(new Oid("1.2.840.113549.1.9.16.2.47"), SigningCertificateV2()));
        signed.ComputeSignature(signer);
        return Task.FromResult(new TimestampToken(signed.Encode(), now));
    }

    /// <summary>A positive, minimally encoded 128-bit serial number.</summary>
    private static byte[] Serial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7f) | 0x01);
        return serial;
    }

    /// <summary>SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 { certHash (SHA-256 default) } } (RFC 5035).</summary>
    private byte[] SigningCertificateV2()
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence())
        using (writer.PushSequence())
        {
            writer.WriteOctetString(SHA256.HashData(_certificate.RawData));
        }
        return writer.Encode();
    }

    public void Dispose() => _certificate.Dispose();
}
