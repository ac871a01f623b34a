using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace IntegrationHub.TestSupport.Imap;

/// <summary>
/// Just enough of an IMAP4rev1 client (RFC 3501) for test setup and checks: LOGIN, tagged commands with an optional
/// non-synchronising literal (LITERAL+), untagged responses with their literals collected, LOGOUT.
/// </summary>
internal sealed class ImapWire : IAsyncDisposable
{
    private static readonly TimeSpan IoTimeout = TimeSpan.FromSeconds(15);

    private readonly TcpClient _client;
    private NetworkStream? _stream;
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;
    private int _tag;

    private ImapWire(TcpClient client) => _client = client;

    private NetworkStream Stream => _stream ?? throw new InvalidOperationException("Not connected.");

    /// <summary>What a command returned: its untagged lines and the literals they carried, in order.</summary>
    public sealed record Response(IReadOnlyList<string> Lines, IReadOnlyList<byte[]> Literals);

    public static async Task<ImapWire> LoginAsync(string host, int port, string user, string password)
    {
        var client = new TcpClient();
        var wire = new ImapWire(client);
        try
        {
            using var timeout = new CancellationTokenSource(IoTimeout);
            await client.ConnectAsync(host, port, timeout.Token);
            wire._stream = client.GetStream();
            var greeting = await wire.ReadLineAsync(timeout.Token);
            if (!greeting.StartsWith("* OK", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"IMAP server at {host}:{port} greeted with '{greeting}'.");
            }

            await wire.CommandAsync($"LOGIN {Quote(user)} {Quote(password)}");
            return wire;
        }
        catch
        {
            await wire.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one command and returns its untagged responses; throws unless the server answers OK.</summary>
    public async Task<Response> CommandAsync(string command, byte[]? literal = null)
    {
        using var timeout = new CancellationTokenSource(IoTimeout);
        var tag = string.Create(CultureInfo.InvariantCulture, $"t{++_tag}");
        await Stream.WriteAsync(Encoding.UTF8.GetBytes($"{tag} {command}\r\n"), timeout.Token);
        if (literal is not null)
        {
            await Stream.WriteAsync(literal, timeout.Token);
            await Stream.WriteAsync("\r\n"u8.ToArray(), timeout.Token);
        }

        var lines = new List<string>();
        var literals = new List<byte[]>();
        while (true)
        {
            var line = await ReadLineAsync(timeout.Token);
            // A line ending in {n} announces n bytes of literal, after which the same response goes on.
            while (line.EndsWith('}') && line.LastIndexOf('{') is >= 0 and var open
                   && int.TryParse(line.AsSpan(open + 1, line.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var size))
            {
                literals.Add(await ReadBytesAsync(size, timeout.Token));
                line += "<literal>" + await ReadLineAsync(timeout.Token);
            }

            if (line.StartsWith(tag + " ", StringComparison.Ordinal))
            {
                var status = line[(tag.Length + 1)..];
                if (!status.StartsWith("OK", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"IMAP command '{Redacted(command)}' failed: {status}");
                }

                return new Response(lines, literals);
            }

            lines.Add(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_stream is not null && _client.Connected)
            {
                using var timeout = new CancellationTokenSource(IoTimeout);
                await Stream.WriteAsync("z LOGOUT\r\n"u8.ToArray(), timeout.Token);
            }
        }
        catch (IOException)
        {
            // The server may already have closed the connection.
        }
        finally
        {
            _client.Dispose();
        }
    }

    /// <summary>An IMAP quoted string.</summary>
    public static string Quote(string value) =>
        "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    /// <summary>A mailbox name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): « Traités » is <c>Trait&amp;AOk-s</c>.</summary>
    public static string EncodeMailboxName(string name)
    {
        var encoded = new StringBuilder();
        var pending = new StringBuilder();
        void Flush()
        {
            if (pending.Length == 0)
            {
                return;
            }

            var base64 = Convert.ToBase64String(Encoding.BigEndianUnicode.GetBytes(pending.ToString())).TrimEnd('=').Replace('/', ',');
            encoded.Append('&').Append(base64).Append('-');
            pending.Clear();
        }

        foreach (var c in name)
        {
            if (c is >= ' ' and <= '~')
            {
                Flush();
                encoded.Append(c == '&' ? "&-" : c.ToString());
            }
            else
            {
                pending.Append(c);
            }
        }

        Flush();
        return encoded.ToString();
    }

    private static string Redacted(string command) =>
        command.StartsWith("LOGIN ", StringComparison.Ordinal) ? "LOGIN ***" : command;

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var b = _buffer[_start++];
            if (b == '\n')
            {
                if (line.Count > 0 && line[^1] == '\r')
                {
                    line.RemoveAt(line.Count - 1);
                }

                return Encoding.UTF8.GetString(line.ToArray());
            }

            line.Add(b);
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count, CancellationToken cancellationToken)
    {
        var bytes = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end)
            {
                await FillAsync(cancellationToken);
            }

            var chunk = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, bytes, copied, chunk);
            _start += chunk;
            copied += chunk;
        }

        return bytes;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = await Stream.ReadAsync(_buffer, cancellationToken);
        if (_end == 0)
        {
            throw new IOException("The IMAP server closed the connection.");
        }
    }
}
