using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// A few connected, authenticated SMTP clients reused from one message to the next. MailKit's client is not
/// thread-safe, so each concurrent send rents its own; at most <see cref="EmailOptions.MaxConnections"/> exist at once
/// and further senders wait for one to come back.
/// </summary>
/// <remarks>
/// A connection idle for longer than <see cref="IdleProbeAfter"/> is probed with NOOP before reuse (servers drop idle
/// clients: Postfix after 300 s, some relays much sooner); one that fails the probe or is no longer connected is
/// replaced. Connections are closed with QUIT when the pool is disposed.
/// </remarks>
internal sealed class SmtpConnectionPool : IAsyncDisposable, IDisposable
{
    internal static readonly TimeSpan IdleProbeAfter = TimeSpan.FromSeconds(30);

    private readonly EmailOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly Stack<PooledSmtpConnection> _idle = new();
    private bool _disposed;

    public SmtpConnectionPool(EmailOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _slots = new SemaphoreSlim(options.MaxConnections, options.MaxConnections);
    }

    /// <summary>A connected client, for this caller alone until <see cref="Return"/>.</summary>
    public async Task<PooledSmtpConnection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            while (TakeIdle() is { } idle)
            {
                if (await IsUsableAsync(idle, cancellationToken))
                {
                    return idle;
                }

                idle.Abandon();
            }

            return await OpenAsync(cancellationToken);
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>
    /// Gives a rented connection back: kept for the next message when <paramref name="reusable"/> and still
    /// connected, otherwise dropped without QUIT (its state is unknown).
    /// </summary>
    public void Return(PooledSmtpConnection connection, bool reusable)
    {
        try
        {
            if (reusable && connection.Client.IsConnected)
            {
                connection.LastUsed = _timeProvider.GetTimestamp();
                lock (_idle)
                {
                    if (!_disposed)
                    {
                        _idle.Push(connection);
                        return;
                    }
                }

                connection.Quit();
                return;
            }

            connection.Abandon();
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// Drops every idle connection without QUIT: called after a connection failed at the transport level, since the
    /// others most likely went down with the same server (restart, network cut) and would each fail one message.
    /// </summary>
    public void AbandonIdle()
    {
        List<PooledSmtpConnection> dropped;
        lock (_idle)
        {
            dropped = [.. _idle];
            _idle.Clear();
        }

        foreach (var connection in dropped)
        {
            connection.Abandon();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in CloseIdle())
        {
            await connection.QuitAsync();
        }
    }

    public void Dispose()
    {
        foreach (var connection in CloseIdle())
        {
            connection.Quit();
        }
    }

    private List<PooledSmtpConnection> CloseIdle()
    {
        lock (_idle)
        {
            _disposed = true;
            List<PooledSmtpConnection> idle = [.. _idle];
            _idle.Clear();
            return idle;
        }
    }

    private PooledSmtpConnection? TakeIdle()
    {
        lock (_idle)
        {
            return _idle.TryPop(out var connection) ? connection : null;
        }
    }

    private async Task<bool> IsUsableAsync(PooledSmtpConnection connection, CancellationToken cancellationToken)
    {
        if (!connection.Client.IsConnected)
        {
            return false;
        }

        if (_timeProvider.GetElapsedTime(connection.LastUsed) <= IdleProbeAfter)
        {
            return true;
        }

        try
        {
            await connection.Client.NoOpAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is IOException or SocketException or TimeoutException
                                              or SmtpProtocolException or SmtpCommandException or ServiceNotConnectedException
                                          || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            _logger.LogDebug(exception, "Idle SMTP connection to {Host}:{Port} failed its NOOP probe; reconnecting.", _options.Host, _options.Port);
            return false;
        }
        catch (OperationCanceledException)
        {
            // The caller gave up in the middle of the probe: the connection's state is unknown.
            connection.Abandon();
            throw;
        }
    }

    private async Task<PooledSmtpConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var client = new DsnSmtpClient { Timeout = checked(_options.TimeoutSeconds * 1000) };
        try
        {
            // Nagle off: SMTP is a dialogue of small commands and replies; with Nagle each message waited for the
            // server's delayed ACK (about 40 ms), which capped a connection near 25 messages/s (bench/README.md, Dispatch).
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(_options.Host!, _options.Port, cancellationToken);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
            await client.ConnectAsync(socket, _options.Host!, _options.Port, ToSecureSocketOptions(_options.Security), cancellationToken);
            if (_options is { UserName: { Length: > 0 } userName, Password: { Length: > 0 } password })
            {
                await client.AuthenticateAsync(userName, password, cancellationToken);
            }

            return new PooledSmtpConnection(client, _timeProvider.GetTimestamp());
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    internal static SecureSocketOptions ToSecureSocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Unknown SMTP security mode."),
    };
}

/// <summary>One pooled SMTP client and when it was last used (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed class PooledSmtpConnection(SmtpClient client, long lastUsed)
{
    public SmtpClient Client { get; } = client;

    public long LastUsed { get; set; } = lastUsed;

    /// <summary>Closes the socket without a word to the server.</summary>
    public void Abandon() => Client.Dispose();

    public void Quit()
    {
        try
        {
            Client.Disconnect(quit: true);
        }
        finally
        {
            Client.Dispose();
        }
    }

    public async Task QuitAsync()
    {
        // MailKit's QUIT is bounded by the client's Timeout and ignores I/O and protocol errors.
        try
        {
            await Client.DisconnectAsync(quit: true, CancellationToken.None);
        }
        finally
        {
            Client.Dispose();
        }
    }
}
