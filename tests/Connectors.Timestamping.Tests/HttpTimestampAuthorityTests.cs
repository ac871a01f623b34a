using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Timestamping;
using Microsoft.Extensions.Time.Testing;

namespace IntegrationHub.Connectors.Timestamping.Tests;

public sealed class HttpTimestampAuthorityTests : IAsyncLifetime
{
    private static readonly byte[] Digest = SHA256.HashData("Tête du registre des preuves"u8);
    private static readonly HttpClient Http = new();

    private TsaStandIn _tsa = null!;

    public async Task InitializeAsync() => _tsa = await TsaStandIn.StartAsync();

    public async Task DisposeAsync() => await _tsa.DisposeAsync();

    private HttpTimestampAuthority Authority(
        string? userName = null, string? password = null, IReadOnlyList<ReadOnlyMemory<byte>>? chain = null, TimeProvider? time = null, Uri? url = null) =>
        new(new HttpTimestampAuthorityOptions
        {
            Url = url ?? _tsa.Url,
            UserName = userName,
            Password = password,
            CertificateChain = chain ?? [],
        }, () => Http, time);

    [Fact]
    public async Task StampAsync_TsaGrants_ReturnsATokenThatVerifiesAgainstItsRoot()
    {
        var token = await Authority().StampAsync(Digest, CancellationToken.None);

        var result = TimestampVerifier.Verify(token.Der, Digest, [_tsa.Root]);
        Assert.True(result.IsValid, result.Problem);
        Assert.Equal(result.GeneratedAt, token.GeneratedAt);
        Assert.Equal(1, _tsa.Requests);
        Assert.True(Rfc3161TimestampRequest.TryDecode(_tsa.LastQuery, out var query, out _));
        Assert.NotNull(query.GetNonce());
        Assert.True(query.RequestSignerCertificate);
        Assert.Equal(Digest, query.GetMessageHash().ToArray());
    }

    [Fact]
    public async Task StampAsync_TwoCalls_SendDifferentNonces()
    {
        var authority = Authority();
        await authority.StampAsync(Digest, CancellationToken.None);
        Assert.True(Rfc3161TimestampRequest.TryDecode(_tsa.LastQuery, out var first, out _));
        await authority.StampAsync(Digest, CancellationToken.None);
        Assert.True(Rfc3161TimestampRequest.TryDecode(_tsa.LastQuery, out var second, out _));

        Assert.NotEqual(first.GetNonce()!.Value.ToArray(), second.GetNonce()!.Value.ToArray());
    }

    [Fact]
    public async Task StampAsync_WithTheTsasChain_VerifiesTheTokenAgainstIt()
    {
        var authority = Authority(chain: [_tsa.Signer.RawData, _tsa.Root.RawData]);

        var token = await authority.StampAsync(Digest, CancellationToken.None);

        Assert.True(authority.VerifiesChain);
        Assert.True(TimestampVerifier.Verify(token.Der, Digest, [_tsa.Root]).IsValid);
    }

    [Fact]
    public async Task StampAsync_ChainOfAnotherTsa_IsRefused()
    {
        var authority = Authority(chain: [TestCertificates.Signer.RawData, TestCertificates.Root.RawData]);

        var error = await Assert.ThrowsAsync<TimestampAuthorityRefusedException>(() => authority.StampAsync(Digest, CancellationToken.None));

        Assert.Contains("does not verify against the configured chain", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task StampAsync_Http503_IsUnavailableAndTransient()
    {
        _tsa.Behaviour = TsaBehaviour.Unavailable;

        var error = await Assert.ThrowsAsync<TimestampAuthorityUnavailableException>(() => Authority().StampAsync(Digest, CancellationToken.None));

        Assert.True(error.IsTransient);
        Assert.Contains("HTTP 503", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_Unreachable_IsUnavailable()
    {
        var authority = Authority(url: new Uri($"http://127.0.0.1:{Ports.FreeTcpPort()}/tsa"));

        var error = await Assert.ThrowsAsync<TimestampAuthorityUnavailableException>(() => authority.StampAsync(Digest, CancellationToken.None));

        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_TsaNeverAnswers_IsUnavailableWhenTheTimeoutPasses()
    {
        _tsa.Behaviour = TsaBehaviour.Hang;
        var time = new FakeTimeProvider(TestCertificates.Now);
        var stamping = Authority(time: time).StampAsync(Digest, CancellationToken.None);
        await Eventually.WaitAsync(() => Task.FromResult(_tsa.Requests), n => n == 1, TimeSpan.FromSeconds(10), "the query to reach the TSA");
        Assert.False(stamping.IsCompleted);

        time.Advance(TimeSpan.FromSeconds(31));

        var error = await Assert.ThrowsAsync<TimestampAuthorityUnavailableException>(() => stamping);
        Assert.Contains("did not answer within 30 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_CallerCancels_ThrowsOperationCanceled()
    {
        _tsa.Behaviour = TsaBehaviour.Hang;
        using var cancel = new CancellationTokenSource();
        var stamping = Authority().StampAsync(Digest, cancel.Token);
        await Eventually.WaitAsync(() => Task.FromResult(_tsa.Requests), n => n == 1, TimeSpan.FromSeconds(10), "the query to reach the TSA");

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stamping);
    }

    [Fact]
    public async Task StampAsync_RejectionStatus_IsRefusedWithTheStatusAndText()
    {
        _tsa.Behaviour = TsaBehaviour.Reject;

        var error = await Assert.ThrowsAsync<TimestampAuthorityRefusedException>(() => Authority().StampAsync(Digest, CancellationToken.None));

        Assert.Contains("status 2 (Rejection)", error.Message, StringComparison.Ordinal);
        Assert.Contains("SystemFailure", error.Message, StringComparison.Ordinal);
        Assert.Contains("Service en maintenance", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_Garbage_IsRefused()
    {
        _tsa.Behaviour = TsaBehaviour.Garbage;

        var error = await Assert.ThrowsAsync<TimestampAuthorityRefusedException>(() => Authority().StampAsync(Digest, CancellationToken.None));

        Assert.Contains("not a TimeStampResp", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TsaBehaviour.WrongNonce)]
    [InlineData(TsaBehaviour.OtherDigest)]
    public async Task StampAsync_TokenNotMatchingTheQuery_IsRefused(TsaBehaviour behaviour)
    {
        _tsa.Behaviour = behaviour;

        var error = await Assert.ThrowsAsync<TimestampAuthorityRefusedException>(() => Authority().StampAsync(Digest, CancellationToken.None));

        Assert.Contains("does not match the request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_BasicAuthentication_RightCredentialsAreAcceptedWrongOnesRefusedAndNeverShown()
    {
        _tsa.RequiredCredentials = ("mairie", "s3cret-horodatage");

        var token = await Authority("mairie", "s3cret-horodatage").StampAsync(Digest, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<TimestampAuthorityRefusedException>(() => Authority("mairie", "mauvais-mot-de-passe").StampAsync(Digest, CancellationToken.None));
        var anonymous = await Assert.ThrowsAsync<TimestampAuthorityRefusedException>(() => Authority().StampAsync(Digest, CancellationToken.None));

        Assert.True(TimestampVerifier.Verify(token.Der, Digest, [_tsa.Root]).IsValid);
        Assert.Contains("HTTP 401 (credentials missing or refused)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("mauvais-mot-de-passe", refused.Message, StringComparison.Ordinal);
        Assert.Contains("HTTP 401", anonymous.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_NeverShowsThePassword()
    {
        var text = Authority("mairie", "s3cret-horodatage").ToString();

        Assert.DoesNotContain("s3cret-horodatage", text, StringComparison.Ordinal);
        Assert.Contains("***", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StampAsync_NotASha256Digest_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Authority().StampAsync(new byte[16], CancellationToken.None));
        Assert.Equal(0, _tsa.Requests);
    }
}
