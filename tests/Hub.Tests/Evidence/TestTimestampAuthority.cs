using System.Security.Cryptography.X509Certificates;
using IntegrationHub.Connectors.Timestamping;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.Plugins.Timestamping;

namespace IntegrationHub.Tests.Evidence;

/// <summary>
/// An RFC 3161 authority for tests, signing with the hub's own <see cref="TimestampIssuer"/> under a throwaway root
/// (time-stamping EKU critical, RFC 3161 §2.3). <see cref="FailuresLeft"/> makes the next calls fail, as an unreachable
/// TSA does.
/// </summary>
internal sealed class TestTimestampAuthority : ITimestampAuthority, ITimestampAuthorityResolver, IDisposable
{
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _certificate;
    private readonly TimestampIssuer _issuer;

    public TestTimestampAuthority(TimeProvider time)
    {
        var now = time.GetUtcNow();
        _root = TimestampCertificates.CreateRoot("Racine de test", now.AddDays(-1), now.AddYears(2));
        _certificate = TimestampCertificates.CreateSigningCertificate(_root, "TSA de test", now.AddDays(-1), now.AddYears(1));
        _issuer = new TimestampIssuer(_certificate, time);
    }

    public int FailuresLeft { get; set; }

    public int Calls { get; private set; }

    public bool IsQualified => false;

    public string DisplayName => "Horodatage de test (non qualifié)";

    public IReadOnlyList<ReadOnlyMemory<byte>> CertificateChain => [_certificate.RawData, _root.RawData];

    public X509Certificate2 Certificate => _certificate;

    public X509Certificate2 Root => _root;

    public Task<ITimestampAuthority> ForAuthorityAsync(Guid authorityId, CancellationToken cancellationToken) => Task.FromResult<ITimestampAuthority>(this);

    public Task<TimestampToken> StampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        Calls++;
        if (FailuresLeft > 0)
        {
            FailuresLeft--;
            throw new HttpRequestException("TSA unreachable (test)");
        }
        return Task.FromResult(_issuer.Issue(sha256));
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _root.Dispose();
    }
}
