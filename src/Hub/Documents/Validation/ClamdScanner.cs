using System.Buffers;
using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace IntegrationHub.Documents.Validation;

/// <summary>
/// <see cref="IVirusScanner"/> over ClamAV's daemon protocol on TCP: <c>zINSTREAM\0</c>, then chunks of
/// <c>&lt;length: 4 bytes, big-endian&gt;&lt;data&gt;</c>, then a zero-length chunk; clamd answers
/// <c>stream: OK\0</c>, <c>stream: &lt;signature&gt; FOUND\0</c> or <c>&lt;message&gt; ERROR\0</c> (notably
/// <c>INSTREAM size limit exceeded. ERROR</c>, sent as soon as the stream passes its <c>StreamMaxLength</c>, after
/// which it closes the connection). One connection per scan; thread-safe.
/// </summary>
public sealed class ClamdScanner : IVirusScanner
{
    private const int MaxChunkSize = 8 * 1024 * 1024;
    private const int MaxReplyLength = 4096;
    private const string StreamPrefix = "stream: ";
    private const string FoundSuffix = " FOUND";

    private static readonly byte[] InStreamCommand = "zINSTREAM\0"u8.ToArray();
    private static readonly byte[] PingCommand = "zPING\0"u8.ToArray();

    private readonly ClamdOptions _options;
    private readonly TimeProvider _time;

    public ClamdScanner(ClamdOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (string.IsNullOrWhiteSpace(options.Host))
        {
            throw new ArgumentException("The clamd host (ClamdOptions.Host) is empty.", nameof(options));
        }

        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentException($"The clamd port (ClamdOptions.Port) must be between 1 and 65535, not {options.Port}.", nameof(options));
        }

        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The clamd timeout (ClamdOptions.Timeout) must be positive, not {options.Timeout}.", nameof(options));
        }

        if (options.ChunkSize is < 1 or > MaxChunkSize)
        {
            throw new ArgumentException($"The clamd chunk size (ClamdOptions.ChunkSize) must be between 1 and {MaxChunkSize}, not {options.ChunkSize}.", nameof(options));
        }

        _options = options;
        _time = timeProvider;
    }

    public async Task<ScanResult> ScanAsync(Stream content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        var reply = await ExchangeAsync(InStreamCommand, content, ct);
        return ParseScanReply(reply);
    }

    /// <summary>Checks that clamd answers (<c>zPING</c> → <c>PONG</c>), for a health check.</summary>
    /// <exception cref="VirusScannerUnavailableException">It does not.</exception>
    public async Task PingAsync(CancellationToken ct)
    {
        var reply = await ExchangeAsync(PingCommand, content: null, ct);
        if (reply != "PONG")
        {
            throw new VirusScannerUnavailableException($"clamd at {Endpoint} answered « {reply} » to PING instead of PONG.");
        }
    }

    internal static ScanResult ParseScanReply(string reply)
    {
        if (reply == StreamPrefix + "OK")
        {
            return new ScanResult(true, null);
        }

        if (reply.StartsWith(StreamPrefix, StringComparison.Ordinal) && reply.EndsWith(FoundSuffix, StringComparison.Ordinal)
            && reply.Length > StreamPrefix.Length + FoundSuffix.Length)
        {
            return new ScanResult(false, reply[StreamPrefix.Length..^FoundSuffix.Length]);
        }

        var sizeLimit = reply.Contains("size limit exceeded", StringComparison.OrdinalIgnoreCase);
        throw new VirusScanFailedException(
            reply.EndsWith("ERROR", StringComparison.Ordinal) ? $"clamd could not scan the file: {reply}" : $"Unexpected clamd reply: {reply}",
            reply,
            sizeLimit);
    }

    private string Endpoint => $"{_options.Host}:{_options.Port}";

    private async Task<string> ExchangeAsync(byte[] command, Stream? content, CancellationToken ct)
    {
        // One timer, re-armed before each step: a large file may take minutes in total, but no step may stall.
        using var timeout = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var token = linked.Token;
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            timeout.CancelAfter(_options.Timeout);
            try
            {
                await socket.ConnectAsync(_options.Host, _options.Port, token);
            }
            catch (SocketException e)
            {
                throw Unavailable("could not be reached", e);
            }

            await using var stream = new NetworkStream(socket, ownsSocket: false);
            // clamd only speaks before the end of the stream to refuse it (size limit), then hangs up: listening while
            // sending lets that answer stop the upload, and explain a broken pipe.
            var reply = ReadReplyAsync(stream, token);
            try
            {
                if (await TrySendAsync(stream, command, token) && content is not null)
                {
                    await SendChunksAsync(stream, content, reply, timeout, token);
                }

                timeout.CancelAfter(_options.Timeout);
                return await reply;
            }
            catch (IOException e)
            {
                throw Unavailable("broke the connection", e);
            }
            finally
            {
                // Closing ends the read if it is still pending; its failure then is a consequence of the exception
                // already propagating.
                socket.Dispose();
                await ((Task)reply).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw new VirusScannerUnavailableException($"clamd at {Endpoint} did not answer within {_options.Timeout}.", e);
        }
    }

    private VirusScannerUnavailableException Unavailable(string what, Exception e) =>
        new($"clamd at {Endpoint} {what}: {e.Message}", e);

    private async Task SendChunksAsync(NetworkStream stream, Stream content, Task<string> reply, CancellationTokenSource timeout, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(sizeof(uint) + _options.ChunkSize);
        try
        {
            int read;
            do
            {
                if (reply.IsCompleted)
                {
                    return;
                }

                timeout.CancelAfter(_options.Timeout);
                read = await content.ReadAsync(buffer.AsMemory(sizeof(uint), _options.ChunkSize), token);
                // A zero-length read is the end of the content, and its zero-length chunk the end of the stream.
                BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)read);
                if (!await TrySendAsync(stream, buffer.AsMemory(0, sizeof(uint) + read), token))
                {
                    return;
                }
            }
            while (read > 0);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Sends, or returns false when clamd has hung up: its reply, read meanwhile, says why.</summary>
    private static async Task<bool> TrySendAsync(NetworkStream stream, ReadOnlyMemory<byte> bytes, CancellationToken token)
    {
        try
        {
            await stream.WriteAsync(bytes, token);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<string> ReadReplyAsync(NetworkStream stream, CancellationToken token)
    {
        var buffer = new byte[MaxReplyLength];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), token);
            if (read == 0)
            {
                break;
            }

            var end = buffer.AsSpan(length, read).IndexOfAny((byte)0, (byte)'\n');
            if (end >= 0)
            {
                length += end;
                return Encoding.UTF8.GetString(buffer, 0, length);
            }

            length += read;
        }

        if (length == 0)
        {
            throw new IOException("clamd closed the connection without answering.");
        }

        return Encoding.UTF8.GetString(buffer, 0, length).TrimEnd();
    }
}
