using System.Net;
using System.Net.Sockets;

namespace IntegrationHub.TestSupport.Smtp;

/// <summary>
/// A TCP forwarder on 127.0.0.1 that counts the connections it accepts, to see how many connections a client opens
/// to a real server (aiosmtpd cannot say). <see cref="DropAll"/> cuts every open connection, as a server that closes
/// idle clients or restarts would.
/// </summary>
public sealed class CountingTcpProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _acceptLoop;
    private int _accepted;

    public CountingTcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public string Host => ((IPEndPoint)_listener.LocalEndpoint).Address.ToString();

    public int Port { get; }

    /// <summary>How many client connections the proxy has accepted so far.</summary>
    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Closes every connection open through the proxy, on both sides.</summary>
    public void DropAll()
    {
        List<TcpClient> open;
        lock (_open)
        {
            open = [.. _open];
            _open.Clear();
        }

        foreach (var client in open)
        {
            // Closing one side ends its forwarder, which may dispose the other side first: then there is nothing to do.
            try
            {
                // Reset rather than FIN, as a crashed or restarted server's connections end.
                if (client.Client is { } socket)
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                // Already closed.
            }

            client.Dispose();
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        DropAll();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener's exception; nothing more to release.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient downstream;
            try
            {
                downstream = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _accepted);
            _ = ForwardAsync(downstream);
        }
    }

    private async Task ForwardAsync(TcpClient downstream)
    {
        var upstream = new TcpClient();
        Track(downstream);
        Track(upstream);
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stopping.Token);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var toServer = PumpAsync(downstream, upstream, either.Token);
            var toClient = PumpAsync(upstream, downstream, either.Token);
            await Task.WhenAny(toServer, toClient);
            await either.CancelAsync();
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // The target is down or the proxy is stopping: the client sees its connection closed.
        }
        finally
        {
            downstream.Dispose();
            upstream.Dispose();
            lock (_open)
            {
                _open.Remove(downstream);
                _open.Remove(upstream);
            }
        }
    }

    private void Track(TcpClient client)
    {
        lock (_open)
        {
            _open.Add(client);
        }
    }

    private static async Task PumpAsync(TcpClient from, TcpClient to, CancellationToken cancellationToken)
    {
        try
        {
            await from.GetStream().CopyToAsync(to.GetStream(), cancellationToken);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException or InvalidOperationException)
        {
            // One side went away; the caller closes both.
        }
    }
}
