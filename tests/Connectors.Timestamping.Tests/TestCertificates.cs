using System.Security.Cryptography.X509Certificates;

namespace IntegrationHub.Connectors.Timestamping.Tests;

/// <summary>A root and TSA certificate made once for the whole assembly (key generation is the slow part).</summary>
internal static class TestCertificates
{
    public static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds());

    public static X509Certificate2 Root { get; } = TimestampCertificates.CreateRoot("Racine de test", Now.AddDays(-1), Now.AddYears(10));

    public static X509Certificate2 Signer { get; } =
        TimestampCertificates.CreateSigningCertificate(Root, TimestampCertificates.BuiltInSignerName, Now.AddDays(-1), Now.AddYears(5));

    public static X509Certificate2 OtherRoot { get; } = TimestampCertificates.CreateRoot("Autre racine", Now.AddDays(-1), Now.AddYears(10));
}
