using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace IntegrationHub.TestSupport.Smtp;

/// <summary>
/// A real SMTP server for tests: Debian's aiosmtpd on a free loopback port, storing what it receives in a temporary
/// Maildir. <see cref="Stop"/> and <see cref="Start"/> simulate an outage on the same address and port.
/// </summary>
/// <remarks>
/// Each server listens on its own random 127.x.y.z address (Linux routes all of 127.0.0.0/8 to loopback). A port
/// found free is released before aiosmtpd binds it; on a shared 127.0.0.1 a server started in parallel could take it
/// in between, and both would then read the same greeting and believe they are up.
/// </remarks>
public sealed class SmtpSinkServer : IDisposable
{
    // The python3 on PATH may be a pyenv build without Debian's modules.
    public const string PythonPath = "/usr/bin/python3";
    public const string InstallHint = "apt-get install -y python3-aiosmtpd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly int? _maxMessageSize;
    private readonly IPAddress _address = RandomLoopbackAddress();
    private readonly StringBuilder _output = new();
    private Process? _process;
    private bool _disposed;

    /// <summary>Starts a server and waits until it greets.</summary>
    /// <param name="maxMessageSize">When set, the server refuses messages larger than this many bytes (552).</param>
    public SmtpSinkServer(int? maxMessageSize = null)
    {
        _maxMessageSize = maxMessageSize;
        MaildirPath = Directory.CreateTempSubdirectory("smtp-sink-").FullName;

        // Python's Maildir only lays out tmp/new/cur when it creates the folder itself.
        foreach (var folder in new[] { "tmp", "new", "cur" })
        {
            Directory.CreateDirectory(Path.Combine(MaildirPath, folder));
        }

        Port = FindFreePort(_address);
        try
        {
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The loopback address the server listens on (not 127.0.0.1, see the remarks).</summary>
    public string Host => _address.ToString();

    public int Port { get; }

    /// <summary>The Maildir the server writes to (messages land in <c>new/</c>).</summary>
    public string MaildirPath { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts the server on <see cref="Port"/> (again) and waits, bounded, until it answers with a 220 greeting.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            return;
        }

        if (!File.Exists(PythonPath))
        {
            throw new InvalidOperationException($"{PythonPath} is missing; the SMTP test server needs Debian's python3: {InstallHint}");
        }

        lock (_output)
        {
            _output.Clear();
        }

        var startInfo = new ProcessStartInfo(PythonPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in Arguments())
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (!Greets())
        {
            // WaitForExit doubles as the poll interval and notices a server that died on start.
            if (process.WaitForExit(PollInterval))
            {
                process.WaitForExit();
                var output = CapturedOutput();
                var exitCode = process.ExitCode;
                _process = null;
                process.Dispose();
                if (output.Contains("No module named aiosmtpd", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"{PythonPath} lacks the aiosmtpd module: {InstallHint}");
                }

                throw new InvalidOperationException(
                    $"aiosmtpd exited with code {exitCode} before accepting connections on {Host}:{Port}:\n{output}");
            }

            if (deadline.Elapsed > StartTimeout)
            {
                Stop();
                throw new TimeoutException($"aiosmtpd did not accept connections on {Host}:{Port} within {StartTimeout.TotalSeconds} s.");
            }
        }
    }

    /// <summary>Kills the server (and its process tree); the port then refuses connections.</summary>
    public void Stop()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        process.Dispose();
    }

    /// <summary>
    /// Waits, bounded, until at least <paramref name="count"/> messages are in the Maildir, then returns all of them
    /// in delivery order.
    /// </summary>
    public async Task<IReadOnlyList<MimeMessage>> WaitForMessagesAsync(int count, TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var files = MessageFiles();
            if (files.Count >= count)
            {
                return files.Select(file => MimeMessage.Load(file.FullName)).ToList();
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(
                    $"Expected {count} message(s) in {MaildirPath} within {timeout.TotalSeconds} s, found {files.Count}.\n{CapturedOutput()}");
            }

            await Task.Delay(PollInterval, TimeProvider.System, CancellationToken.None);
        }
    }

    /// <summary>How many messages the Maildir holds now.</summary>
    public int MessageCount => MessageFiles().Count;

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop();
        if (Directory.Exists(MaildirPath))
        {
            Directory.Delete(MaildirPath, recursive: true);
        }
    }

    private IEnumerable<string> Arguments()
    {
        yield return "-m";
        yield return "aiosmtpd";
        yield return "-n";
        yield return "-l";
        yield return string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");
        if (_maxMessageSize is { } size)
        {
            yield return "-s";
            yield return size.ToString(CultureInfo.InvariantCulture);
        }

        yield return "-c";
        yield return "aiosmtpd.handlers.Mailbox";
        yield return MaildirPath;
    }

    private List<FileInfo> MessageFiles()
    {
        // The Maildir writer creates a file in tmp/ and links it into new/: files there are complete.
        return new[] { "new", "cur" }
            .Select(folder => new DirectoryInfo(Path.Combine(MaildirPath, folder)))
            .Where(folder => folder.Exists)
            .SelectMany(folder => folder.EnumerateFiles())
            .OrderBy(file => file.LastWriteTimeUtc)
            .ThenBy(file => file.Name, StringComparer.Ordinal)
            .ToList();
    }

    private bool Greets()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(_address, Port);
            client.ReceiveTimeout = 2000;
            using var stream = client.GetStream();
            var buffer = new byte[512];
            var read = stream.Read(buffer);
            var greeting = Encoding.ASCII.GetString(buffer, 0, read);
            if (greeting.StartsWith("220", StringComparison.Ordinal))
            {
                stream.Write("QUIT\r\n"u8);
                return true;
            }

            return false;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Bounded: a chatty server must not grow the test process without limit.
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string CapturedOutput()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static IPAddress RandomLoopbackAddress() =>
        new([127, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(0, 256), (byte)Random.Shared.Next(1, 255)]);

    private static int FindFreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
