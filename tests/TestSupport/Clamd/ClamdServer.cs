using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace IntegrationHub.TestSupport.Clamd;

/// <summary>
/// A real ClamAV daemon (Debian package <c>clamav-daemon</c>) on 127.0.0.1, started for a test with a one-line
/// signature database that detects the EICAR test file — no <c>freshclam</c> download, which these machines cannot do.
/// Used to check that <see cref="ClamdStandIn"/> answers like the real thing.
/// </summary>
public sealed class ClamdServer : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/sbin/clamd";

    /// <summary>What this database calls EICAR: ClamAV appends « .UNOFFICIAL » to signatures outside its own databases.</summary>
    public const string EicarSignature = "Win.Test.EICAR_HDB-1.UNOFFICIAL";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _root;
    private int _stopped;

    private ClamdServer(Process process, string root, int port)
    {
        _process = process;
        _root = root;
        Port = port;
    }

    public static bool IsInstalled => File.Exists(ExecutablePath);

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    /// <param name="streamMaxLength">clamd's <c>StreamMaxLength</c>, in bytes.</param>
    public static async Task<ClamdServer> StartAsync(long streamMaxLength)
    {
        var root = Directory.CreateTempSubdirectory("hub-test-clamd-").FullName;
        var database = Directory.CreateDirectory(Path.Combine(root, "db")).FullName;
        // MD5 and size of the 68-byte EICAR file, the way ClamAV's own Win.Test.EICAR_HDB-1 signature is written.
        await File.WriteAllTextAsync(Path.Combine(database, "eicar.hdb"), "44d88612fea8a8f36de82e1278abb02f:68:Win.Test.EICAR_HDB-1\n");
        var log = Path.Combine(root, "clamd.log");
        for (var attempt = 1; ; attempt++)
        {
            var port = Ports.FreeTcpPort();
            var config = Path.Combine(root, "clamd.conf");
            await File.WriteAllTextAsync(config, string.Join('\n',
                "Foreground yes",
                $"DatabaseDirectory {database}",
                "TCPAddr 127.0.0.1",
                $"TCPSocket {port.ToString(CultureInfo.InvariantCulture)}",
                $"StreamMaxLength {streamMaxLength.ToString(CultureInfo.InvariantCulture)}",
                $"LogFile {log}",
                $"PidFile {Path.Combine(root, "clamd.pid")}",
                ""));
            var process = Process.Start(new ProcessStartInfo(ExecutablePath, ["--config-file=" + config])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            }) ?? throw new InvalidOperationException("clamd did not start.");
            var output = new StringBuilder();
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var server = new ClamdServer(process, root, port);
            if (await server.WaitUntilReadyAsync())
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
                return server;
            }

            server.Stop();
            var text = Read(output) + (File.Exists(log) ? await File.ReadAllTextAsync(log) : "");
            if (attempt == 3 || !text.Contains("bind", StringComparison.OrdinalIgnoreCase))
            {
                Directory.Delete(root, recursive: true);
                throw new InvalidOperationException($"clamd did not answer PING within {StartTimeout.TotalSeconds} s.\n{text}");
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private async Task<bool> WaitUntilReadyAsync()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < StartTimeout && !_process.HasExited)
        {
            if (await PingsAsync())
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }

        return false;
    }

    private async Task<bool> PingsAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(Host, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("zPING\0"u8.ToArray());
            var reply = new byte[5];
            await stream.ReadExactlyAsync(reply);
            return reply.AsSpan().SequenceEqual("PONG\0"u8);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Read(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
