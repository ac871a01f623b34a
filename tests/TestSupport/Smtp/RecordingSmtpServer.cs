using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace IntegrationHub.TestSupport.Smtp;

/// <summary>One message a <see cref="RecordingSmtpServer"/> accepted, with its envelope as sent on the wire.</summary>
/// <param name="MailFrom">The whole <c>MAIL FROM</c> command, parameters included.</param>
/// <param name="RcptTo">Each accepted <c>RCPT TO</c> command, parameters included.</param>
/// <param name="Data">The message bytes, dot-unstuffed, as the server received them.</param>
/// <param name="Connection">Which connection (1-based) carried it.</param>
public sealed record RecordedSmtpMessage(string MailFrom, IReadOnlyList<string> RcptTo, byte[] Data, int Connection);

/// <summary>
/// A stand-in SMTP server on 127.0.0.1 for what Debian's aiosmtpd cannot do: it advertises <c>DSN</c> (RFC 3461) and
/// accepts its parameters, offers <c>AUTH PLAIN</c> when given credentials, refuses chosen recipients with
/// <c>550 5.1.1</c>, and records every command and connection. Like Postfix, it answers a second <c>MAIL</c> inside an
/// open transaction with <c>503</c>, so a client that does not reset after a refusal is caught.
/// </summary>
public sealed class RecordingSmtpServer : IDisposable
{
    private const string Domain = "relais.stand-in.test";
    private const long MaxSize = 10 * 1024 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly bool _advertiseDsn;
    private readonly string? _user;
    private readonly string? _password;
    private readonly HashSet<string> _rejected;
    private readonly List<string> _commands = [];
    private readonly List<RecordedSmtpMessage> _messages = [];
    private readonly List<TcpClient> _open = [];
    private readonly Task _acceptLoop;
    private int _connections;

    /// <param name="advertiseDsn">Whether EHLO lists DSN.</param>
    /// <param name="user">With <paramref name="password"/>: EHLO lists AUTH PLAIN and MAIL requires it.</param>
    /// <param name="password">The only password accepted.</param>
    /// <param name="rejectedRecipients">Addresses refused at RCPT with 550 5.1.1.</param>
    public RecordingSmtpServer(bool advertiseDsn = true, string? user = null, string? password = null, IEnumerable<string>? rejectedRecipients = null)
    {
        _advertiseDsn = advertiseDsn;
        _user = user;
        _password = password;
        _rejected = new HashSet<string>(rejectedRecipients ?? [], StringComparer.OrdinalIgnoreCase);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    public string Host => ((IPEndPoint)_listener.LocalEndpoint).Address.ToString();

    public int Port { get; }

    /// <summary>How many connections clients opened.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every command line received, in order (AUTH credentials included: this is a test server).</summary>
    public IReadOnlyList<string> Commands
    {
        get
        {
            lock (_commands)
            {
                return [.. _commands];
            }
        }
    }

    public IReadOnlyList<RecordedSmtpMessage> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>Waits, bounded, until <paramref name="count"/> messages were accepted.</summary>
    public async Task<IReadOnlyList<RecordedSmtpMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (Messages.Count < count)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Expected {count} message(s) within {timeout.TotalSeconds} s, got {Messages.Count}.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), TimeProvider.System);
        }

        return Messages;
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

            // Replies go out in several small writes: without NoDelay, Nagle holds the last one until the client's
            // delayed ACK (40 ms on Linux), which capped a sender at ~25 messages per second per connection.
            client.NoDelay = true;
            var number = Interlocked.Increment(ref _connections);
            lock (_open)
            {
                _open.Add(client);
            }

            _ = ServeAsync(client, number);
        }
    }

    private async Task ServeAsync(TcpClient client, int connection)
    {
        try
        {
            // Latin-1 maps bytes to chars one to one, so message data round-trips unchanged.
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.Latin1, detectEncodingFromByteOrderMarks: false);
            var writer = new StreamWriter(stream, Encoding.Latin1) { NewLine = "\r\n", AutoFlush = true };
            await using (writer)
            {
                await writer.WriteLineAsync($"220 {Domain} ESMTP stand-in");
                var session = new Session();
                while (await reader.ReadLineAsync(_stopping.Token) is { } line)
                {
                    Record(line);
                    var reply = await HandleAsync(line, session, reader, connection);
                    await writer.WriteLineAsync(reply);
                    if (reply.StartsWith("221", StringComparison.Ordinal))
                    {
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The client went away or the server is stopping.
        }
        finally
        {
            client.Dispose();
            lock (_open)
            {
                _open.Remove(client);
            }
        }
    }

    private async Task<string> HandleAsync(string line, Session session, StreamReader reader, int connection)
    {
        var verb = line.Split(' ', 2)[0].ToUpperInvariant();
        var authRequired = _user is not null && !session.Authenticated;
        switch (verb)
        {
            case "EHLO":
                var extensions = new List<string> { Domain, "PIPELINING", $"SIZE {MaxSize}", "8BITMIME", "ENHANCEDSTATUSCODES" };
                if (_advertiseDsn)
                {
                    extensions.Add("DSN");
                }

                if (_user is not null)
                {
                    extensions.Add("AUTH PLAIN");
                }

                return string.Join("\r\n", extensions.Select((e, i) => (i == extensions.Count - 1 ? "250 " : "250-") + e));
            case "HELO":
                return $"250 {Domain}";
            case "AUTH":
                return await AuthenticateAsync(line, session, reader);
            case "MAIL":
                if (authRequired)
                {
                    return "530 5.7.0 Authentication required";
                }

                if (session.MailFrom is not null)
                {
                    return "503 5.5.1 Error: nested MAIL command";
                }

                if (!_advertiseDsn && (line.Contains(" RET=", StringComparison.OrdinalIgnoreCase) || line.Contains(" ENVID=", StringComparison.OrdinalIgnoreCase)))
                {
                    return "555 5.5.4 Unsupported option: DSN parameters";
                }

                session.MailFrom = line;
                return "250 2.1.0 Ok";
            case "RCPT":
                if (session.MailFrom is null)
                {
                    return "503 5.5.1 Error: need MAIL command";
                }

                var address = Between(line, '<', '>');
                if (_rejected.Contains(address))
                {
                    return $"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table";
                }

                session.Recipients.Add(line);
                return "250 2.1.5 Ok";
            case "DATA":
                if (session.Recipients.Count == 0)
                {
                    return "554 5.5.1 Error: no valid recipients";
                }

                return await ReceiveDataAsync(session, reader, connection);
            case "RSET":
                session.Reset();
                return "250 2.0.0 Ok";
            case "NOOP":
                return "250 2.0.0 Ok";
            case "QUIT":
                return "221 2.0.0 Bye";
            default:
                return "502 5.5.2 Error: command not recognized";
        }
    }

    private async Task<string> AuthenticateAsync(string line, Session session, StreamReader reader)
    {
        var parts = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (_user is null || parts.Length < 2 || !parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
        {
            return "504 5.5.4 Unrecognized authentication type";
        }

        // Without an initial response (RFC 4954), the client sends it after an empty challenge.
        string? response = parts.Length == 3 ? parts[2] : null;
        if (response is null)
        {
            // Written on the reader's stream: the writer is owned by the caller and only used for the final reply.
            var stream = reader.BaseStream;
            await stream.WriteAsync("334 \r\n"u8.ToArray(), _stopping.Token);
            response = await reader.ReadLineAsync(_stopping.Token) ?? string.Empty;
        }

        string[] fields;
        try
        {
            fields = Encoding.UTF8.GetString(Convert.FromBase64String(response)).Split('\0');
        }
        catch (FormatException)
        {
            return "501 5.5.2 Cannot decode response";
        }

        if (fields.Length == 3 && fields[1] == _user && fields[2] == _password)
        {
            session.Authenticated = true;
            return "235 2.7.0 Authentication successful";
        }

        return "535 5.7.8 Error: authentication failed";
    }

    private async Task<string> ReceiveDataAsync(Session session, StreamReader reader, int connection)
    {
        await reader.BaseStream.WriteAsync("354 End data with <CR><LF>.<CR><LF>\r\n"u8.ToArray(), _stopping.Token);
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(_stopping.Token) is { } line)
        {
            if (line == ".")
            {
                lock (_messages)
                {
                    _messages.Add(new RecordedSmtpMessage(session.MailFrom!, [.. session.Recipients], Encoding.Latin1.GetBytes(data.ToString()), connection));
                    var queued = _messages.Count;
                    session.Reset();
                    return $"250 2.0.0 Ok: queued as STANDIN{queued}";
                }
            }

            data.Append(line.StartsWith('.') ? line[1..] : line).Append("\r\n");
        }

        throw new IOException("The client closed the connection in the middle of DATA.");
    }

    private void Record(string line)
    {
        lock (_commands)
        {
            _commands.Add(line);
        }
    }

    private static string Between(string text, char open, char close)
    {
        var start = text.IndexOf(open, StringComparison.Ordinal);
        var end = text.IndexOf(close, start + 1);
        return start >= 0 && end > start ? text[(start + 1)..end] : string.Empty;
    }

    private sealed class Session
    {
        public bool Authenticated { get; set; }

        public string? MailFrom { get; set; }

        public List<string> Recipients { get; } = [];

        public void Reset()
        {
            MailFrom = null;
            Recipients.Clear();
        }
    }
}
