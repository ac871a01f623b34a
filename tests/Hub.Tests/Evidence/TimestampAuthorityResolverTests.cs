using System.Net.Http.Json;
using System.Security.Cryptography;
using IntegrationHub.Connectors.Timestamping;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport.Timestamping;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Evidence;

/// <summary>The hub picks an authority's own <c>rfc3161</c> connector, configured through the API, else its built-in TSA.</summary>
[Collection(HubHostsGroup.Name)]
public sealed class TimestampAuthorityResolverTests : IAsyncLifetime
{
    private static readonly byte[] Digest = SHA256.HashData("Tête du registre"u8);

    private TsaStandIn _tsa = null!;
    private HubApp _app = null!;

    public async Task InitializeAsync()
    {
        _tsa = await TsaStandIn.StartAsync();
        _app = await HubApp.StartAsync(TestDatabase.Sqlite);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _tsa.DisposeAsync();
    }

    private ITimestampAuthorityResolver Resolver => _app.Services.GetRequiredService<ITimestampAuthorityResolver>();

    private async Task PutTsaAsync(Guid authorityId, bool enabled)
    {
        var put = await _app.Admin.PutAsJsonAsync($"/api/authorities/{authorityId}/connectors/horodatage", new
        {
            type = "rfc3161",
            enabled,
            settings = new { url = _tsa.Url.AbsoluteUri, certificateChainPem = _tsa.ChainPem, qualified = "true" },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task HubStart_CreatesTheBuiltInTsaFiles()
    {
        var folder = Path.Combine(_app.DataDirectory, "timestamping");

        Assert.True(File.Exists(Path.Combine(folder, "tsa-credentials.pem")));
        var root = Assert.Single(TimestampCertificates.ReadPem(await File.ReadAllTextAsync(Path.Combine(folder, "root.pem"))));
        Assert.Equal(_app.Services.GetRequiredService<BuiltInTimestampAuthority>().Root.Thumbprint, root.Thumbprint);
    }

    [Fact]
    public async Task ForAuthorityAsync_NoTsaConnector_IsTheBuiltInOne()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);

        var authority = await Resolver.ForAuthorityAsync(s.AuthorityId, CancellationToken.None);

        Assert.Same(_app.Services.GetRequiredService<BuiltInTimestampAuthority>(), authority);
        Assert.False(authority.IsQualified);
        var token = await authority.StampAsync(Digest, CancellationToken.None);
        Assert.True(TimestampVerifier.Verify(token.Der, Digest, [((BuiltInTimestampAuthority)authority).Root]).IsValid);
        Assert.Equal(0, _tsa.Requests);
    }

    [Fact]
    public async Task ForAuthorityAsync_Rfc3161ConnectorConfiguredThroughTheApi_StampsThroughIt()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        var other = await Scenario.CreateAsync(_app.Admin, members: 0);
        await PutTsaAsync(s.AuthorityId, enabled: true);

        var authority = await Resolver.ForAuthorityAsync(s.AuthorityId, CancellationToken.None);
        var token = await authority.StampAsync(Digest, CancellationToken.None);

        Assert.IsType<HttpTimestampAuthority>(authority);
        Assert.True(authority.IsQualified);
        Assert.Equal([_tsa.Signer.RawData, _tsa.Root.RawData], authority.CertificateChain.Select(c => c.ToArray()));
        Assert.Equal(1, _tsa.Requests);
        Assert.True(TimestampVerifier.Verify(token.Der, Digest, [_tsa.Root]).IsValid);
        Assert.Same(authority, await Resolver.ForAuthorityAsync(s.AuthorityId, CancellationToken.None));
        Assert.IsType<BuiltInTimestampAuthority>(await Resolver.ForAuthorityAsync(other.AuthorityId, CancellationToken.None));
    }

    [Fact]
    public async Task ForAuthorityAsync_ConnectorDisabled_FallsBackToTheBuiltInOne()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        await PutTsaAsync(s.AuthorityId, enabled: true);
        Assert.IsType<HttpTimestampAuthority>(await Resolver.ForAuthorityAsync(s.AuthorityId, CancellationToken.None));

        await PutTsaAsync(s.AuthorityId, enabled: false);

        Assert.IsType<BuiltInTimestampAuthority>(await Resolver.ForAuthorityAsync(s.AuthorityId, CancellationToken.None));
    }

    [Fact]
    public async Task ConnectorTest_ThroughTheApi_StampsAndVerifies()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 0);
        await PutTsaAsync(s.AuthorityId, enabled: true);

        var test = await _app.Admin.PostOkAsync($"/api/authorities/{s.AuthorityId}/connectors/horodatage/test", new { }, 200);

        Assert.True(test.GetProperty("ok").GetBoolean(), test.ToString());
        Assert.Contains("Jeton d'horodatage obtenu et vérifié", test.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, _tsa.Requests);
    }

    [Fact]
    public async Task Send_WithATsaConnector_DeliversOnlyOnMemberChannels()
    {
        var s = await Scenario.CreateAsync(_app.Admin, members: 2);
        await PutTsaAsync(s.AuthorityId, enabled: true);

        var sent = await _app.Admin.PostOkAsync($"/api/sessions/{s.SessionId}/send", new { }, 202);

        Assert.Equal(2, sent.GetProperty("deliveries").GetInt32());
        var convocations = await _app.Admin.GetOkAsync($"/api/sessions/{s.SessionId}/convocations");
        Assert.All(
            convocations.EnumerateArray().SelectMany(c => c.GetProperty("deliveries").EnumerateArray()),
            d => Assert.Equal("email", d.GetProperty("channel").GetString()));
    }
}
