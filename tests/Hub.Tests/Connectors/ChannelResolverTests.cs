using System.Globalization;
using System.Net.Http.Json;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace IntegrationHub.Tests.Connectors;

/// <summary>
/// The channels the resolver builds from an authority's email connector, sending to a recording SMTP server: one per
/// connector and revision, each closed (QUIT) once replaced or with the resolver, never leaked.
/// </summary>
[Collection(HubHostsGroup.Name)]
public sealed class ChannelResolverTests : IAsyncLifetime
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);
    private readonly RecordingSmtpServer _smtp = new();
    private readonly RecordingSmtpServer _newRelay = new();
    private HubApp _app = null!;
    private Scenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _app = await HubApp.StartAsync(TestDatabase.Sqlite);
        _scenario = await Scenario.CreateAsync(_app.Admin, members: 0);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _smtp.Dispose();
        _newRelay.Dispose();
    }

    [Fact]
    public async Task ResolveAsync_ManyWorkersAtOnce_BuildOneChannelWhosePoolClosesWithTheResolver()
    {
        await PutEmailConnectorAsync(_smtp);
        var email = new OverlapDetectingType(_app.Services.GetRequiredService<ConnectorTypeRegistry>().Find("email")!);
        var registry = new ConnectorTypeRegistry();
        registry.Add(email, "test");
        var resolver = ActivatorUtilities.CreateInstance<ChannelResolver>(_app.Services, registry);

        // The start of a dispatch: every worker resolves the same connector at the same revision.
        var resolved = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => resolver.ResolveAsync(_scenario.AuthorityId, "email", CancellationToken.None))));

        Assert.False(email.Overlapped, "Two channels of one connector and revision were being built at once.");
        Assert.Equal(1, email.Created);
        var channel = Assert.Single(resolved.Select(r => r!.Channel).Distinct());
        await channel.SendAsync(Message("simultane"), CancellationToken.None);

        await resolver.DisposeAsync();

        // The channel was its pool's only user: disposing the resolver closed the pool. A leaked channel would hold
        // it open for ever (no QUIT).
        await Eventually.WaitAsync(() => Task.FromResult(_smtp.Commands), commands => commands.Contains("QUIT"), Arrival, "QUIT");
        Assert.Equal(1, _smtp.Connections);
    }

    [Fact]
    public async Task ResolveAsync_AfterASettingsChange_DisposesTheReplacedChannelWhoseSendsThenFailTransiently()
    {
        await PutEmailConnectorAsync(_smtp);
        await using var resolver = NewResolver();
        var old = (await resolver.ResolveAsync(_scenario.AuthorityId, "email", CancellationToken.None))!.Channel;
        await old.SendAsync(Message("ancien-relais"), CancellationToken.None);

        await PutEmailConnectorAsync(_newRelay);
        var current = (await resolver.ResolveAsync(_scenario.AuthorityId, "email", CancellationToken.None))!.Channel;

        Assert.NotSame(old, current);
        // The old relay's pool had no other user: closed with the replaced channel.
        await Eventually.WaitAsync(() => Task.FromResult(_smtp.Commands), commands => commands.Contains("QUIT"), Arrival, "QUIT");
        // A batch still holding the old channel: its next send fails and the retry resolves the new settings.
        await Assert.ThrowsAsync<TransientDeliveryException>(() => old.SendAsync(Message("lot-en-cours"), CancellationToken.None));
        await current.SendAsync(Message("nouveau-relais"), CancellationToken.None);
        Assert.Single(await _smtp.WaitForMessagesAsync(1, Arrival));
        Assert.Single(await _newRelay.WaitForMessagesAsync(1, Arrival));
    }

    private ChannelResolver NewResolver() => ActivatorUtilities.CreateInstance<ChannelResolver>(_app.Services);

    private async Task PutEmailConnectorAsync(RecordingSmtpServer server)
    {
        var put = await _app.Admin.PutAsJsonAsync($"/api/authorities/{_scenario.AuthorityId}/connectors/email", new
        {
            type = "email",
            enabled = true,
            settings = new
            {
                host = server.Host,
                port = server.Port.ToString(CultureInfo.InvariantCulture),
                security = "none",
                senderAddress = "convocations@mairie-saint-clair.fr",
            },
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
    }

    private static OutboundMessage Message(string key) => new(
        key, MessageKind.Convocation, new Recipient("Élue de test", "elue@mairie-saint-clair.fr"), "Convocation", "Vous êtes convoquée.");

    /// <summary>
    /// The email type, whose first channel build waits (a bounded while) for a second build of the same connector to
    /// start: an unguarded resolver starts one, a guarded one makes it wait its turn.
    /// </summary>
    private sealed class OverlapDetectingType(IConnectorType inner) : IConnectorType
    {
        private readonly ManualResetEventSlim _secondStarted = new();
        private int _inFlight;
        private int _created;

        public bool Overlapped { get; private set; }

        public int Created => Volatile.Read(ref _created);

        public string TypeId => inner.TypeId;

        public string DisplayName => inner.DisplayName;

        public RecipientAddress Address => inner.Address;

        public IReadOnlyList<ConnectorSettingDefinition> Settings => inner.Settings;

        public IReadOnlyList<ConnectorSettingError> Validate(ConnectorSettings settings) => inner.Validate(settings);

        public IChannel? CreateChannel(ConnectorSettings settings, IServiceProvider services)
        {
            if (Interlocked.Increment(ref _inFlight) > 1)
            {
                Overlapped = true;
                _secondStarted.Set();
            }
            else
            {
                _secondStarted.Wait(TimeSpan.FromSeconds(1));
            }
            Interlocked.Increment(ref _created);
            var channel = inner.CreateChannel(settings, services);
            Interlocked.Decrement(ref _inFlight);
            return channel;
        }

        public Task<ConnectionCheck> TestAsync(ConnectorSettings settings, IServiceProvider services, CancellationToken cancellationToken) =>
            inner.TestAsync(settings, services, cancellationToken);
    }
}
