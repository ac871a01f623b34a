using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IntegrationHub.TestSupport.Clamd;

/// <summary>One INSTREAM session a <see cref="ClamdStandIn"/> served.</summary>
/// <param name="Command">The command as received, without its prefix and terminator (<c>INSTREAM</c>).</param>
/// <param name="ChunkSizes">The length announced by each chunk, the terminating zero included when it came.</param>
/// <param name="Reply">What the stand-in answered, without the terminator; <see langword="null"/> when it held its answer.</param>
public sealed record ClamdSession(string Command, IReadOnlyList<int> ChunkSizes, string? Reply)
{
    /// <summary>Bytes of content received.</summary>
    public long Bytes => ChunkSizes.Sum(size => (long)size);
}

/// <summary>
/// A stand-in for ClamAV's daemon on 127.0.0.1, speaking its TCP protocol as documented in clamd(8):
/// <c>zINSTREAM\0</c> (or <c>nINSTREAM\n</c>), then chunks <c>&lt;length: 4 bytes big-endian&gt;&lt;data&gt;</c> ended by a
/// zero length, answered <c>stream: OK</c> or <c>stream: Win.Test.EICAR_HDB-1 FOUND</c> when the content contains the
/// EICAR test string anywhere (clamd's own EICAR signature only matches at the start of a file; the stand-in is
/// deliberately broader), with the terminator of the command's prefix. Past <see cref="StreamMaxLength"/> it answers
/// <c>INSTREAM size limit exceeded. ERROR</c> and hangs up, as clamd does. <c>PING</c> → <c>PONG</c>.
/// Records every session and the size of every chunk.
/// </summary>
public sealed class ClamdStandIn : IDisposable
{
    /// <summary>What the stand-in reports for EICAR (ClamAV 1.x's name for it).</summary>
    public const string EicarSignature = "Win.Test.EICAR_HDB-1";

    private const int MaxCommandLength = 64;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<ClamdSession> _sessions = [];
    private readonly List<TcpClient> _open = [];
    private readonly Task _acceptLoop;
    private int _streamsReceived;

    /// <param name="streamMaxLength">clamd's <c>StreamMaxLength</c>: more content than this is refused. Default 25 MiB, as clamd.</param>
    /// <param name="holdReplies">Receive everything but never answer INSTREAM, to test time-outs.</param>
    public ClamdStandIn(long streamMaxLength = 25 * 1024 * 1024, bool holdReplies = false)
    {
        StreamMaxLength = streamMaxLength;
        HoldReplies = holdReplies;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    /// <summary>The EICAR anti-malware test file (68 bytes), assembled here so this source file is not itself flagged.</summary>
    public static byte[] Eicar { get; } = Encoding.ASCII.GetBytes(@"X5O!P%@AP[4\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*");

    public string Host => ((IPEndPoint)_listener.LocalEndpoint).Address.ToString();

    public int Port { get; }

    public long StreamMaxLength { get; }

    public bool HoldReplies { get; }

    /// <summary>How many INSTREAM streams arrived whole (their zero-length chunk received), answered or not.</summary>
    public int StreamsReceived => Volatile.Read(ref _streamsReceived);

    /// <summary>The sessions that ended (answered, refused, or closed by the client), in order.</summary>
    public IReadOnlyList<ClamdSession> Sessions
    {
        get
        {
            lock (_sessions)
            {
                return [.. _sessions];
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _listener.Stop();
        lock (_open)
        {
            foreach (var client in _open)
            {
                client.Dispose();
            }
        }

        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends with the listener's exception.
        }

        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            lock (_open)
            {
                _open.Add(client);
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        var chunks = new List<int>();
        string? command = null;
        string? reply = null;
        try
        {
            var stream = client.GetStream();
            var token = _stopping.Token;
            var (name, terminator) = await ReadCommandAsync(stream, token);
            command = name;
            switch (name)
            {
                case "PING":
                    reply = "PONG";
                    await SendAsync(stream, reply, terminator, token);
                    break;
                case "INSTREAM":
                    reply = await InStreamAsync(stream, terminator, chunks, token);
                    break;
                default:
                    reply = "UNKNOWN COMMAND";
                    await SendAsync(stream, reply, terminator, token);
                    break;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            // The client went away or the stand-in is stopping: the session is recorded as it stood.
        }
        finally
        {
            if (command is not null)
            {
                lock (_sessions)
                {
                    _sessions.Add(new ClamdSession(command, chunks, reply));
                }
            }

            lock (_open)
            {
                _open.Remove(client);
            }

            client.Dispose();
        }
    }

    private async Task<string?> InStreamAsync(NetworkStream stream, byte terminator, List<int> chunks, CancellationToken token)
    {
        var signature = Eicar.Length;
        // The tail of the previous chunk is kept so that EICAR split across two chunks is still found.
        var window = new byte[signature - 1 + 64 * 1024];
        var kept = 0;
        var found = false;
        long total = 0;
        var header = new byte[4];
        while (true)
        {
            await stream.ReadExactlyAsync(header, token);
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(header);
            chunks.Add(length);

            if (length == 0)
            {
                Interlocked.Increment(ref _streamsReceived);
                break;
            }

            total += length;
            if (total > StreamMaxLength)
            {
                var refusal = "INSTREAM size limit exceeded. ERROR";
                await SendAsync(stream, refusal, terminator, token);
                return refusal;
            }

            for (var remaining = length; remaining > 0;)
            {
                var read = await stream.ReadAsync(window.AsMemory(kept, Math.Min(remaining, window.Length - kept)), token);
                if (read == 0)
                {
                    throw new EndOfStreamException("The client closed the connection inside a chunk.");
                }

                remaining -= read;
                kept += read;
                found |= window.AsSpan(0, kept).IndexOf(Eicar) >= 0;
                var tail = Math.Min(kept, signature - 1);
                window.AsSpan(kept - tail, tail).CopyTo(window);
                kept = tail;
            }
        }

        if (HoldReplies)
        {
            // Wait for the client to give up (or the stand-in to stop) without a word.
            while (await stream.ReadAsync(header, token) > 0)
            {
            }

            return null;
        }

        var reply = found ? $"stream: {EicarSignature} FOUND" : "stream: OK";
        await SendAsync(stream, reply, terminator, token);
        return reply;
    }

    /// <summary>Reads <c>zCOMMAND\0</c> or <c>nCOMMAND\n</c>.</summary>
    private static async Task<(string Name, byte Terminator)> ReadCommandAsync(NetworkStream stream, CancellationToken token)
    {
        var prefix = new byte[1];
        await stream.ReadExactlyAsync(prefix, token);
        var terminator = prefix[0] switch
        {
            (byte)'z' => (byte)0,
            (byte)'n' => (byte)'\n',
            _ => throw new IOException($"Unsupported command prefix 0x{prefix[0]:x2}: this stand-in speaks only z and n commands."),
        };
        var name = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one, token);
            if (one[0] == terminator)
            {
                return (name.ToString(), terminator);
            }

            if (name.Length == MaxCommandLength)
            {
                throw new IOException("Command too long.");
            }

            name.Append((char)one[0]);
        }
    }

    private static async Task SendAsync(NetworkStream stream, string reply, byte terminator, CancellationToken token)
    {
        var bytes = Encoding.ASCII.GetBytes(reply);
        await stream.WriteAsync(bytes, token);
        await stream.WriteAsync(new[] { terminator }, token);
    }
}
