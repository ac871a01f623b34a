using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;

namespace IntegrationHub.Connectors.Timestamping.Tests;

public sealed class TimestampVerifierTests
{
    private static readonly byte[] Digest = SHA256.HashData("Registre des preuves, tête de chaîne"u8);

    private static TimestampIssuer Issuer(System.Security.Cryptography.X509Certificates.X509Certificate2 signer, DateTimeOffset at) =>
        new(signer, new FakeTimeProvider(at));

    [Fact]
    public void Verify_TamperedDigest_IsInvalidNamingTheImprint()
    {
        var token = Issuer(TestCertificates.Signer, TestCertificates.Now).Issue(Digest);
        var tampered = (byte[])Digest.Clone();
        tampered[0] ^= 0x01;

        var result = TimestampVerifier.Verify(token.Der, tampered, [TestCertificates.Root]);

        Assert.False(result.IsValid);
        Assert.Contains("message imprint does not match", result.Problem, StringComparison.Ordinal);
        Assert.Equal(TestCertificates.Now, result.GeneratedAt);
    }

    [Fact]
    public void Verify_WrongRoot_IsInvalidNamingTheChain()
    {
        var token = Issuer(TestCertificates.Signer, TestCertificates.Now).Issue(Digest);

        var result = TimestampVerifier.Verify(token.Der, Digest, [TestCertificates.OtherRoot]);

        Assert.False(result.IsValid);
        Assert.Contains("does not chain to a trusted root", result.Problem, StringComparison.Ordinal);
        Assert.Contains(TimestampCertificates.BuiltInSignerName, result.SignerSubject, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_NoRootAtAll_IsInvalid()
    {
        var token = Issuer(TestCertificates.Signer, TestCertificates.Now).Issue(Digest);

        Assert.False(TimestampVerifier.Verify(token.Der, Digest, []).IsValid);
    }

    [Fact]
    public void Verify_TokenIssuedAfterTheCertificateExpired_IsInvalid()
    {
        using var expired = TimestampCertificates.CreateSigningCertificate(
            TestCertificates.Root, "TSA expirée", TestCertificates.Now.AddDays(-1), TestCertificates.Now.AddHours(1));
        var token = Issuer(expired, TestCertificates.Now.AddDays(2)).Issue(Digest);

        var result = TimestampVerifier.Verify(token.Der, Digest, [TestCertificates.Root]);

        Assert.False(result.IsValid);
        Assert.Contains("was not valid at the token's time", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_TokenIssuedWhileTheCertificateWasValid_StaysValidAfterItExpired()
    {
        using var oldRoot = TimestampCertificates.CreateRoot("Racine ancienne", TestCertificates.Now.AddYears(-2), TestCertificates.Now.AddYears(8));
        using var shortLived = TimestampCertificates.CreateSigningCertificate(
            oldRoot, "TSA de courte durée", TestCertificates.Now.AddDays(-400), TestCertificates.Now.AddDays(-300));
        var token = Issuer(shortLived, TestCertificates.Now.AddDays(-350)).Issue(Digest);

        var result = TimestampVerifier.Verify(token.Der, Digest, [oldRoot]);

        Assert.True(result.IsValid, result.Problem);
    }

    [Fact]
    public void Verify_CertificateWithoutCriticalTimeStampingUsage_IsInvalid()
    {
        using var notCritical = TimestampCertificates.CreateSigningCertificate(
            TestCertificates.Root, "TSA sans EKU critique", TestCertificates.Now.AddDays(-1), TestCertificates.Now.AddYears(1), criticalTimeStampingUsage: false);
        var token = Issuer(notCritical, TestCertificates.Now).Issue(Digest);

        var result = TimestampVerifier.Verify(token.Der, Digest, [TestCertificates.Root]);

        Assert.False(result.IsValid);
        Assert.Contains("critical, id-kp-timeStamping", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_AlteredSignature_IsInvalid()
    {
        var der = Issuer(TestCertificates.Signer, TestCertificates.Now).Issue(Digest).Der.ToArray();
        // The ECDSA signature is the token's last element: flipping its last byte keeps the DER well-formed.
        der[^1] ^= 0x01;

        var result = TimestampVerifier.Verify(der, Digest, [TestCertificates.Root]);

        Assert.False(result.IsValid);
        Assert.Contains("signature by", result.Problem, StringComparison.Ordinal);
        Assert.Contains("does not verify", result.Problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x30, 0x00 })]
    [InlineData(new byte[] { 0x01, 0x02, 0x03 })]
    public void Verify_NotAToken_IsInvalid(byte[] bytes)
    {
        var result = TimestampVerifier.Verify(bytes, Digest, [TestCertificates.Root]);

        Assert.False(result.IsValid);
        Assert.Equal("The bytes are not an RFC 3161 time-stamp token.", result.Problem);
        Assert.Null(result.GeneratedAt);
    }
}
