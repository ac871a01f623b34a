using IntegrationHub.Plugins.Channels;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using MailKit.Net.Smtp;

namespace IntegrationHub.Connectors.Email.Tests;

/// <summary>
/// SMTP connection reuse: connections counted by a TCP proxy in front of a real server (aiosmtpd), or by the recording
/// stand-in when the test needs to see the commands (NOOP, RSET, QUIT).
/// </summary>
public sealed class EmailChannelConnectionPoolTests : IDisposable
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(15);
    private readonly SmtpSinkServer _server = new();
    private readonly CountingTcpProxy _proxy;

    public EmailChannelConnectionPoolTests() => _proxy = new CountingTcpProxy(_server.Host, _server.Port);

    public void Dispose()
    {
        _proxy.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task SendAsync_BatchOfMessages_UsesOneConnection()
    {
        await using var channel = ChannelFactory.ForSmtp(_proxy.Host, _proxy.Port, ChannelFactory.Clock());

        for (var i = 1; i <= 5; i++)
        {
            await channel.SendAsync(TestMessages.Convocation(key: $"lot-elu-{i}"), CancellationToken.None);
        }

        Assert.Equal(5, (await _server.WaitForMessagesAsync(5, Arrival)).Count);
        Assert.Equal(1, _proxy.AcceptedConnections);
    }

    [Fact]
    public async Task SendAsync_ConcurrentSends_OpenAtMostMaxConnections()
    {
        await using var channel = ChannelFactory.ForSmtp(_proxy.Host, _proxy.Port, ChannelFactory.Clock(), options => options.MaxConnections = 2);

        await Task.WhenAll(Enumerable.Range(1, 12).Select(i =>
            Task.Run(() => channel.SendAsync(TestMessages.Convocation(key: $"parallele-elu-{i}"), CancellationToken.None))));

        var received = await _server.WaitForMessagesAsync(12, Arrival);
        Assert.Equal(12, received.Select(m => m.MessageId).Distinct().Count());
        Assert.InRange(_proxy.AcceptedConnections, 1, 2);
    }

    [Fact]
    public async Task SendAsync_IdleConnectionDroppedByServer_ProbesAndReconnectsWithoutFailing()
    {
        var clock = ChannelFactory.Clock();
        await using var channel = ChannelFactory.ForSmtp(_proxy.Host, _proxy.Port, clock);
        await channel.SendAsync(TestMessages.Convocation(key: "avant-coupure"), CancellationToken.None);

        _proxy.DropAll();
        clock.Advance(TimeSpan.FromSeconds(31));
        await channel.SendAsync(TestMessages.Convocation(key: "apres-coupure"), CancellationToken.None);

        Assert.Equal(2, (await _server.WaitForMessagesAsync(2, Arrival)).Count);
        Assert.Equal(2, _proxy.AcceptedConnections);
    }

    [Fact]
    public async Task SendAsync_ConnectionDroppedWithinTheProbeDelay_FailsTransientlyOnceThenReconnects()
    {
        await using var channel = ChannelFactory.ForSmtp(_proxy.Host, _proxy.Port, ChannelFactory.Clock());
        await channel.SendAsync(TestMessages.Convocation(key: "avant-coupure"), CancellationToken.None);

        _proxy.DropAll();
        // Not probed (idle for less than 30 s): the send finds the connection dead, and the hub's retry gets a new one.
        await Assert.ThrowsAsync<TransientDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(key: "pendant-coupure"), CancellationToken.None));
        await channel.SendAsync(TestMessages.Convocation(key: "pendant-coupure"), CancellationToken.None);

        var received = await _server.WaitForMessagesAsync(2, Arrival);
        Assert.Equal(["avant-coupure", "pendant-coupure"], received.Select(m => m.Headers["X-Hub-Idempotency-Key"] ?? string.Empty).ToArray());
        Assert.Equal(2, _proxy.AcceptedConnections);
    }

    [Fact]
    public async Task SendAsync_IdleLongerThanThirtySeconds_ProbesWithNoopAndReusesTheConnection()
    {
        using var server = new RecordingSmtpServer();
        var clock = ChannelFactory.Clock();
        await using var channel = ChannelFactory.ForSmtp(server.Host, server.Port, clock);

        await channel.SendAsync(TestMessages.Convocation(key: "premier"), CancellationToken.None);
        clock.Advance(TimeSpan.FromSeconds(10));
        await channel.SendAsync(TestMessages.Convocation(key: "deuxieme"), CancellationToken.None);
        Assert.DoesNotContain("NOOP", server.Commands);

        clock.Advance(TimeSpan.FromSeconds(31));
        await channel.SendAsync(TestMessages.Convocation(key: "troisieme"), CancellationToken.None);

        Assert.Single(server.Commands, "NOOP");
        Assert.Equal(1, server.Connections);
        Assert.All(await server.WaitForMessagesAsync(3, Arrival), message => Assert.Equal(1, message.Connection));
    }

    [Fact]
    public async Task SendAsync_RecipientRefused_ThrowsPermanentAndTheConnectionServesTheNextMessage()
    {
        using var server = new RecordingSmtpServer(rejectedRecipients: ["inconnu@exemple.fr"]);
        await using var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock());

        var failure = await Assert.ThrowsAsync<PermanentDeliveryException>(() => channel.SendAsync(
            TestMessages.Convocation(key: "adresse-inconnue", recipient: new Recipient("Élu inconnu", "inconnu@exemple.fr")),
            CancellationToken.None));
        await channel.SendAsync(TestMessages.Convocation(key: "adresse-valide"), CancellationToken.None);

        var smtp = Assert.IsType<SmtpCommandException>(failure.InnerException);
        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, smtp.ErrorCode);
        Assert.Equal(550, (int)smtp.StatusCode);
        Assert.True(failure.AddressRejected);
        var delivered = Assert.Single(await server.WaitForMessagesAsync(1, Arrival));
        Assert.Contains(TestMessages.RecipientEmail, Assert.Single(delivered.RcptTo), StringComparison.Ordinal);
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task DisposeAsync_ClosesPooledConnectionsWithQuit()
    {
        using var server = new RecordingSmtpServer();
        var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock());
        await channel.SendAsync(TestMessages.Convocation(key: "avant-arret"), CancellationToken.None);

        await channel.DisposeAsync();

        await Eventually.WaitAsync(() => Task.FromResult(server.Commands), commands => commands.Contains("QUIT"), Arrival, "QUIT");
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task SendAsync_CancelledBeforeSending_LeavesThePooledConnectionUsable()
    {
        using var server = new RecordingSmtpServer();
        await using var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock(), options => options.MaxConnections = 1);
        await channel.SendAsync(TestMessages.Convocation(key: "premier"), CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => channel.SendAsync(TestMessages.Convocation(key: "annule"), cancelled.Token));

        // The slot was given back: the next message goes out on the same connection.
        await channel.SendAsync(TestMessages.Convocation(key: "suivant"), CancellationToken.None);
        Assert.Equal(["premier", "suivant"], (await server.WaitForMessagesAsync(2, Arrival)).Select(IdempotencyKey).ToArray());
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task SendAsync_TwoChannelsWithTheSameRelayAndAccount_ShareOneConnection()
    {
        var password = FakeSecrets.Token("smtp");
        using var server = new RecordingSmtpServer(user: "syndicat", password: password);
        var clock = ChannelFactory.Clock();
        // Two communes of one syndicat: their own sender addresses, one relay and one account.
        var first = ChannelFactory.ForSmtp(server.Host, server.Port, clock, Account("syndicat", password, "mairie-a@exemple.fr"));
        await using var second = ChannelFactory.ForSmtp(server.Host, server.Port, clock, Account("syndicat", password, "mairie-b@exemple.fr"));

        await first.SendAsync(TestMessages.Convocation(key: "commune-a-1"), CancellationToken.None);
        await second.SendAsync(TestMessages.Convocation(key: "commune-b-1"), CancellationToken.None);
        await first.DisposeAsync();
        // The pool outlives the first channel: the second keeps the connection, nobody said QUIT.
        await second.SendAsync(TestMessages.Convocation(key: "commune-b-2"), CancellationToken.None);

        var received = await server.WaitForMessagesAsync(3, Arrival);
        Assert.Equal(["commune-a-1", "commune-b-1", "commune-b-2"], received.Select(IdempotencyKey).ToArray());
        Assert.All(received, message => Assert.Equal(1, message.Connection));
        Assert.Equal(1, server.Connections);
        Assert.Single(server.Commands, command => command.StartsWith("AUTH", StringComparison.Ordinal));
        Assert.DoesNotContain("QUIT", server.Commands);
    }

    [Fact]
    public async Task SendAsync_OnADisposedChannelWhoseSharedPoolLivesOn_FailsTransientlyAndSendsNothing()
    {
        using var server = new RecordingSmtpServer();
        var clock = ChannelFactory.Clock();
        // The channel of a connector's old settings, and another channel on the same relay keeping the pool open.
        var replaced = ChannelFactory.ForSmtp(server.Host, server.Port, clock);
        await using var other = ChannelFactory.ForSmtp(server.Host, server.Port, clock, options => options.FromAddress = "autre@exemple.fr");
        await replaced.SendAsync(TestMessages.Convocation(key: "avant-changement"), CancellationToken.None);

        await replaced.DisposeAsync();

        // The hub's retry must resolve the connector again: the send must not go out through the old relay and account.
        await Assert.ThrowsAsync<TransientDeliveryException>(
            () => replaced.SendAsync(TestMessages.Convocation(key: "apres-changement"), CancellationToken.None));
        await other.SendAsync(TestMessages.Convocation(key: "autre-commune"), CancellationToken.None);
        Assert.Equal(["avant-changement", "autre-commune"], (await server.WaitForMessagesAsync(2, Arrival)).Select(IdempotencyKey).ToArray());
        Assert.DoesNotContain("QUIT", server.Commands);
    }

    [Fact]
    public async Task SendAsync_OnADisposedChannelWhosePoolClosed_FailsTransiently()
    {
        using var server = new RecordingSmtpServer();
        var channel = ChannelFactory.ForSmtp(server.Host, server.Port, ChannelFactory.Clock());

        await channel.DisposeAsync();

        await Assert.ThrowsAsync<TransientDeliveryException>(
            () => channel.SendAsync(TestMessages.Convocation(key: "apres-arret"), CancellationToken.None));
        Assert.Equal(0, server.Connections);
    }

    [Fact]
    public async Task SendAsync_DisposedWhileWaitingForAConnection_FailsTransientlyAndTheSharedConnectionStays()
    {
        using var server = new RecordingSmtpServer();
        var clock = ChannelFactory.Clock();
        Action<EmailOptions> oneConnection = options => options.MaxConnections = 1;
        var replaced = ChannelFactory.ForSmtp(server.Host, server.Port, clock, oneConnection);
        await using var other = ChannelFactory.ForSmtp(server.Host, server.Port, clock, oneConnection);
        var pool = SharedSmtpConnectionPools.Acquire(
            new EmailOptions { Host = server.Host, Port = server.Port, FromAddress = TestMessages.FromAddress, TimeoutSeconds = 10, MaxConnections = 1 },
            clock, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await using (pool)
        {
            // The only connection is out: the replaced channel's send waits for it.
            var held = await pool.Pool.RentAsync(CancellationToken.None);
            var waiting = replaced.SendAsync(TestMessages.Convocation(key: "en-attente"), CancellationToken.None);
            await replaced.DisposeAsync();
            pool.Pool.Return(held, reusable: true);

            await Assert.ThrowsAsync<TransientDeliveryException>(() => waiting);
            await other.SendAsync(TestMessages.Convocation(key: "autre-commune"), CancellationToken.None);
        }

        Assert.Equal(["autre-commune"], (await server.WaitForMessagesAsync(1, Arrival)).Select(IdempotencyKey).ToArray());
        Assert.Equal(1, server.Connections);
    }

    [Fact]
    public async Task SendAsync_SameRelayOtherPassword_NeverUsesTheOtherAccountsConnection()
    {
        var password = FakeSecrets.Token("smtp");
        using var server = new RecordingSmtpServer(user: "syndicat", password: password);
        var clock = ChannelFactory.Clock();
        await using var allowed = ChannelFactory.ForSmtp(server.Host, server.Port, clock, Account("syndicat", password, "mairie-a@exemple.fr"));
        await using var refused = ChannelFactory.ForSmtp(
            server.Host, server.Port, clock, Account("syndicat", FakeSecrets.Token("smtp"), "mairie-b@exemple.fr"));
        await allowed.SendAsync(TestMessages.Convocation(key: "compte-valide"), CancellationToken.None);

        // Had it borrowed the first channel's authenticated connection, this message would have gone out.
        await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => refused.SendAsync(TestMessages.Convocation(key: "autre-mot-de-passe"), CancellationToken.None));

        Assert.Equal(["compte-valide"], (await server.WaitForMessagesAsync(1, Arrival)).Select(IdempotencyKey).ToArray());
        Assert.Equal(2, server.Connections);
    }

    [Fact]
    public async Task Acquire_OtherUserNameOrPoolSettings_GetsItsOwnPool()
    {
        var password = FakeSecrets.Token("smtp");
        var clock = ChannelFactory.Clock();
        EmailOptions Options(string user, int maxConnections = 4) => new()
        {
            Host = "relais.syndicat.example", Port = 587, UserName = user, Password = password, FromAddress = TestMessages.FromAddress,
            MaxConnections = maxConnections, TimeoutSeconds = 10, // as ChannelFactory sets it
        };
        await using var first = ChannelFactory.ForSmtp("relais.syndicat.example", 587, clock, Account("commune-a", password, TestMessages.FromAddress));
        await using var second = ChannelFactory.ForSmtp("RELAIS.syndicat.example", 587, clock, Account("commune-a", password, "autre@exemple.fr"));
        await using var otherUser = ChannelFactory.ForSmtp("relais.syndicat.example", 587, clock, Account("commune-b", password, TestMessages.FromAddress));
        await using var otherLimit = ChannelFactory.ForSmtp("relais.syndicat.example", 587, clock, options =>
        {
            Account("commune-a", password, TestMessages.FromAddress)(options);
            options.MaxConnections = 2;
        });

        Assert.Equal(2, SharedSmtpConnectionPools.UsersOf(Options("commune-a"), clock));
        Assert.Equal(1, SharedSmtpConnectionPools.UsersOf(Options("commune-b"), clock));
        Assert.Equal(1, SharedSmtpConnectionPools.UsersOf(Options("commune-a", maxConnections: 2), clock));
        Assert.Equal(0, SharedSmtpConnectionPools.UsersOf(Options("commune-a"), ChannelFactory.Clock()));
        // The key names the account, never its password.
        Assert.DoesNotContain(password, SharedSmtpConnectionPools.PoolKey.Of(Options("commune-a"), clock).ToString(), StringComparison.Ordinal);
    }

    private static Action<EmailOptions> Account(string user, string password, string fromAddress) => options =>
    {
        options.UserName = user;
        options.Password = password;
        options.FromAddress = fromAddress;
    };

    private static string IdempotencyKey(RecordedSmtpMessage message) =>
        MimeKit.MimeMessage.Load(new MemoryStream(message.Data)).Headers["X-Hub-Idempotency-Key"] ?? string.Empty;
}
