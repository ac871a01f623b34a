using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using IntegrationHub.TestSupport.Timestamping;
using Microsoft.Extensions.Time.Testing;

namespace IntegrationHub.Connectors.Timestamping.Tests;

public sealed class TimestampIssuerTests
{
    private static readonly byte[] Digest = SHA256.HashData("Convocation du conseil municipal du 12 décembre"u8);

    private readonly FakeTimeProvider _time = new(TestCertificates.Now.AddMinutes(5).AddMilliseconds(750));

    private TimestampIssuer Issuer(string? policy = null) => new(TestCertificates.Signer, _time, policy);

    [Fact]
    public void Issue_ThenVerify_IsValidAtTheClockTimeToTheSecond()
    {
        var token = Issuer().Issue(Digest);

        var result = TimestampVerifier.Verify(token.Der, Digest, [TestCertificates.Root]);

        Assert.True(result.IsValid, result.Problem);
        Assert.Null(result.Problem);
        var expected = TestCertificates.Now.AddMinutes(5);
        Assert.Equal(expected, token.GeneratedAt);
        Assert.Equal(expected, result.GeneratedAt);
        Assert.Contains("Horodatage intégré du hub (non qualifié)", result.SignerSubject, StringComparison.Ordinal);
        Assert.Equal(TimestampOids.DefaultPolicy, result.PolicyOid);
        Assert.False(string.IsNullOrEmpty(result.SerialNumber));
    }

    [Fact]
    public void Issue_TokenCarriesSigningCertificateV2AndTheCertificate()
    {
        var token = Issuer().Issue(Digest);

        Assert.True(Rfc3161TimestampToken.TryDecode(token.Der, out var decoded, out _));
        var signerInfo = Assert.Single(decoded.AsSignedCms().SignerInfos.Cast<SignerInfo>());
        Assert.Contains(signerInfo.SignedAttributes.Cast<CryptographicAttributeObject>(), a => a.Oid.Value == TimestampOids.SigningCertificateV2);
        Assert.Equal(TestCertificates.Signer.Thumbprint, Assert.Single(decoded.AsSignedCms().Certificates).Thumbprint);
        Assert.True(decoded.VerifySignatureForHash(Digest, HashAlgorithmName.SHA256, out _, null));
    }

    [Fact]
    public void Issue_ManyTokensAtTheSameInstant_HaveDistinctSerialNumbers()
    {
        var issuer = Issuer();

        var serials = Enumerable.Range(0, 200)
            .Select(_ => TimestampVerifier.Verify(issuer.Issue(Digest).Der, Digest, [TestCertificates.Root]).SerialNumber)
            .ToList();

        Assert.Equal(serials.Count, serials.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Issue_NotASha256Digest_Throws()
    {
        Assert.Throws<ArgumentException>(() => Issuer().Issue(new byte[20]));
    }

    [Fact]
    public void Constructor_CertificateWithoutPrivateKey_Throws()
    {
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(TestCertificates.Signer.RawData);

        Assert.Throws<ArgumentException>(() => new TimestampIssuer(publicOnly, _time));
    }

    [Fact]
    public void Respond_Request_IsAcceptedByDotNetsProcessResponseWithItsNonceAndPolicy()
    {
        var nonce = new byte[] { 0x12, 0x34, 0x56, 0x78 };
        var request = Rfc3161TimestampRequest.CreateFromHash(Digest, HashAlgorithmName.SHA256, new Oid("1.2.250.1.999.1"), nonce, requestSignerCertificates: true);

        var response = Issuer("1.2.250.1.999.1").Respond(request.Encode());

        var token = request.ProcessResponse(response, out _);
        Assert.Equal(nonce, token.TokenInfo.GetNonce()!.Value.ToArray());
        Assert.Equal("1.2.250.1.999.1", token.TokenInfo.PolicyId.Value);
        Assert.Equal(TimestampStatus.Granted, TimeStampResp.ReadStatus(response).Status);
    }

    [Fact]
    public void Respond_Sha512Request_IsGranted()
    {
        var request = Rfc3161TimestampRequest.CreateFromHash(SHA512.HashData("x"u8), HashAlgorithmName.SHA512, requestSignerCertificates: false);

        var token = request.ProcessResponse(Issuer().Respond(request.Encode()), out _);

        Assert.Equal(TimestampOids.Sha512, token.TokenInfo.HashAlgorithmId.Value);
        Assert.Empty(token.AsSignedCms().Certificates);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x03, 0x02, 0x01 })]
    [InlineData(new byte[] { 0x3C, 0x68, 0x74, 0x6D, 0x6C, 0x3E })]
    public void Respond_NotATimeStampReq_IsRejectedWithBadDataFormat(byte[] body)
    {
        var status = TimeStampResp.ReadStatus(Issuer().Respond(body));

        Assert.Equal(TimestampStatus.Rejection, status.Status);
        Assert.Equal(TimestampFailures.BadDataFormat, status.Failures);
        Assert.NotNull(status.Text);
    }

    [Fact]
    public void Respond_Sha1Request_IsRejectedWithBadAlg()
    {
#pragma warning disable CA5350 // The point: a TSA must refuse SHA-1.
        var request = Rfc3161TimestampRequest.CreateFromHash(SHA1.HashData("x"u8), HashAlgorithmName.SHA1);
#pragma warning restore CA5350

        var status = TimeStampResp.ReadStatus(Issuer().Respond(request.Encode()));

        Assert.Equal(TimestampStatus.Rejection, status.Status);
        Assert.Equal(TimestampFailures.BadAlgorithm, status.Failures);
        Assert.Contains("1.3.14.3.2.26", status.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Respond_OtherPolicy_IsRejectedWithUnacceptedPolicy()
    {
        var request = Rfc3161TimestampRequest.CreateFromHash(Digest, HashAlgorithmName.SHA256, new Oid("1.2.3.4"));

        var status = TimeStampResp.ReadStatus(Issuer().Respond(request.Encode()));

        Assert.Equal(TimestampStatus.Rejection, status.Status);
        Assert.Equal(TimestampFailures.UnacceptedPolicy, status.Failures);
    }

    [Fact]
    public void Respond_RequestWithExtensions_IsRejectedWithUnacceptedExtension()
    {
        var extensions = new System.Security.Cryptography.X509Certificates.X509ExtensionCollection
        {
            new System.Security.Cryptography.X509Certificates.X509Extension("1.2.3.4.5", [0x05, 0x00], critical: false),
        };
        var request = Rfc3161TimestampRequest.CreateFromHash(Digest, HashAlgorithmName.SHA256, extensions: extensions);

        var status = TimeStampResp.ReadStatus(Issuer().Respond(request.Encode()));

        Assert.Equal(TimestampFailures.UnacceptedExtension, status.Failures);
    }

    [Fact]
    public void Rejection_StatusInfo_RoundTrips()
    {
        var status = TimeStampResp.ReadStatus(TimestampIssuer.Rejection(TimestampFailures.SystemFailure | TimestampFailures.TimeNotAvailable, "Horloge indisponible"));

        Assert.Equal(TimestampStatus.Rejection, status.Status);
        Assert.Equal(TimestampFailures.SystemFailure | TimestampFailures.TimeNotAvailable, status.Failures);
        Assert.Equal("Horloge indisponible", status.Text);
    }

    [Fact]
    public async Task Issue_TokenIsVerifiedByOpenSsl()
    {
        var issuer = new TimestampIssuer(TestCertificates.Signer, TimeProvider.System);
        var token = issuer.Issue(Digest);

        var result = await OpenSslTs.VerifyTokenAsync(token.Der, Digest, TestCertificates.Root, TestCertificates.Signer);

        Assert.True(result.Verified, result.Output);
    }

    [Fact]
    public async Task Issue_OpenSslRefusesAnotherDigestAndAnotherRoot()
    {
        var token = new TimestampIssuer(TestCertificates.Signer, TimeProvider.System).Issue(Digest);

        var otherDigest = await OpenSslTs.VerifyTokenAsync(token.Der, SHA256.HashData("autre"u8), TestCertificates.Root, TestCertificates.Signer);
        var otherRoot = await OpenSslTs.VerifyTokenAsync(token.Der, Digest, TestCertificates.OtherRoot, TestCertificates.Signer);

        Assert.False(otherDigest.Verified, otherDigest.Output);
        Assert.Contains("message imprint mismatch", otherDigest.Output, StringComparison.Ordinal);
        Assert.False(otherRoot.Verified, otherRoot.Output);
    }
}
