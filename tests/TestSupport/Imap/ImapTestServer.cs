using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MimeKit;

namespace IntegrationHub.TestSupport.Imap;

/// <summary>
/// A real IMAP server for tests: Debian's Dovecot as a throwaway instance on 127.0.0.1 and a free port, with one user
/// whose mail is a Maildir in a temporary directory. Plain-text login, no TLS.
/// </summary>
/// <remarks>
/// Dovecot runs in the foreground (<c>dovecot -F</c>) as a child process with its own configuration, base and state
/// directories, so it never touches the system instance. Each instance greets with its own token, so a test never
/// mistakes another server on a recycled port for its own. When run as root, login processes run as <c>dovenull</c>,
/// internal ones as <c>dovecot</c>, and mail is accessed as <c>dovecot</c>; otherwise everything runs as the current
/// user. <see cref="AppendAsync"/> and <see cref="FolderSubjectsAsync"/> speak IMAP on the wire themselves, so the
/// tests check the connector with a client other than the one it uses.
/// </remarks>
public sealed class ImapTestServer : IDisposable
{
    public const string DovecotPath = "/usr/sbin/dovecot";
    public const string ImapBinaryPath = "/usr/lib/dovecot/imap";
    public const string InstallHint = "apt-get install -y dovecot-imapd";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private const int StartAttempts = 3;

    // Dovecot's own post-login capabilities minus MOVE, to exercise clients' COPY + EXPUNGE fallback.
    private const string CapabilitiesWithoutMove =
        "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS " +
        "THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED " +
        "I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY " +
        "SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY";

    private readonly IPAddress _address = IPAddress.Loopback;
    private readonly bool _advertiseMove;
    private readonly string _greeting = "hub-test-imap-" + Guid.NewGuid().ToString("N");
    private readonly DirectoryInfo _root;
    private Process? _process;
    private bool _disposed;

    /// <summary>Starts Dovecot and waits, bounded, until it greets.</summary>
    /// <param name="advertiseMove">False to leave MOVE (RFC 6851) out of the capabilities after login.</param>
    /// <param name="user">The one user's login name.</param>
    public ImapTestServer(bool advertiseMove = true, string user = "secretariat")
    {
        if (!File.Exists(DovecotPath) || !File.Exists(ImapBinaryPath))
        {
            throw new InvalidOperationException($"Dovecot's IMAP server is missing ({DovecotPath}, {ImapBinaryPath}): {InstallHint}");
        }

        _advertiseMove = advertiseMove;
        User = user;
        Password = "mdp-" + Guid.NewGuid().ToString("N")[..12];
        _root = Directory.CreateTempSubdirectory("imap-dovecot-");
        try
        {
            // Dovecot's login and mail processes run as other users: they must traverse the directory.
            SetMode(_root.FullName, (UnixFileMode)0b111_101_101);
            Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Host => _address.ToString();

    public int Port { get; private set; }

    public string User { get; }

    public string Password { get; }

    /// <summary>Appends <paramref name="message"/> to <paramref name="folder"/> (INBOX by default) with IMAP APPEND.</summary>
    public async Task AppendAsync(MimeMessage message, string folder = "INBOX")
    {
        ArgumentNullException.ThrowIfNull(message);
        using var content = new MemoryStream();
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await message.WriteToAsync(format, content);

        await using var session = await ImapWire.LoginAsync(Host, Port, User, Password);
        await session.CommandAsync($"APPEND {ImapWire.Quote(ImapWire.EncodeMailboxName(folder))} {{{content.Length}+}}", content.ToArray());
    }

    /// <summary>The subjects of the messages in <paramref name="folder"/>, in UID order.</summary>
    /// <exception cref="InvalidOperationException">The folder does not exist.</exception>
    public async Task<IReadOnlyList<string>> FolderSubjectsAsync(string folder)
    {
        await using var session = await ImapWire.LoginAsync(Host, Port, User, Password);
        await session.CommandAsync($"EXAMINE {ImapWire.Quote(ImapWire.EncodeMailboxName(folder))}");
        var fetched = await session.CommandAsync("UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        return fetched.Literals
            .Select(literal => HeaderList.Load(new MemoryStream(literal))["Subject"] ?? string.Empty)
            .ToList();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Stop();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (UnauthorizedAccessException)
        {
            // Not root: Dovecot's mail files belong to this user and are removable; anything left is in /tmp.
        }
    }

    private void Start()
    {
        for (var attempt = 1; ; attempt++)
        {
            Port = Ports.FreeTcpPort();
            var configPath = WriteConfiguration();
            var startInfo = new ProcessStartInfo(DovecotPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            startInfo.ArgumentList.Add("-F");
            startInfo.ArgumentList.Add("-c");
            startInfo.ArgumentList.Add(configPath);
            var output = new StringBuilder();
            var process = new Process { StartInfo = startInfo };
            process.OutputDataReceived += (_, e) => Capture(output, e.Data);
            process.ErrorDataReceived += (_, e) => Capture(output, e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;

            var clock = Stopwatch.StartNew();
            while (!Greets())
            {
                if (process.WaitForExit(PollInterval))
                {
                    process.WaitForExit();
                    _process = null;
                    var log = Describe(output);
                    process.Dispose();
                    // Another process took the free port between the probe and Dovecot's bind: try another one.
                    if (attempt < StartAttempts && log.Contains("Address already in use", StringComparison.Ordinal))
                    {
                        break;
                    }

                    throw new InvalidOperationException($"dovecot exited before accepting connections on {Host}:{Port}:\n{log}");
                }

                if (clock.Elapsed > StartTimeout)
                {
                    var log = Describe(output);
                    Stop();
                    throw new TimeoutException($"dovecot did not greet on {Host}:{Port} within {StartTimeout.TotalSeconds} s:\n{log}");
                }
            }

            if (_process is not null)
            {
                return;
            }
        }
    }

    private void Stop()
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

    private string WriteConfiguration()
    {
        var root = _root.FullName;
        var mailRoot = Directory.CreateDirectory(Path.Combine(root, "mail")).FullName;
        // The mail user creates its own Maildir here.
        SetMode(mailRoot, (UnixFileMode)0b111_111_111);
        var (loginUser, internalUser, mailUid, mailGid) = ProcessUsers();

        var users = Path.Combine(root, "users");
        File.WriteAllText(users, $"{User}:{{PLAIN}}{Password}::::::\n");
        SetMode(users, (UnixFileMode)0b110_100_100);

        var config = $$"""
            # Throwaway test instance: nothing here is read from /etc/dovecot.
            protocols = imap
            listen = {{Host}}
            base_dir = {{root}}/run
            state_dir = {{root}}/state
            instance_name = {{Path.GetFileName(root)}}
            log_path = {{root}}/dovecot.log
            info_log_path = {{root}}/dovecot.log
            login_greeting = {{_greeting}}
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            default_login_user = {{loginUser}}
            default_internal_user = {{internalUser}}
            mail_uid = {{mailUid}}
            mail_gid = {{mailGid}}
            first_valid_uid = 1
            first_valid_gid = 1
            mail_location = maildir:{{mailRoot}}/%u
            {{(_advertiseMove ? string.Empty : "imap_capability = " + CapabilitiesWithoutMove)}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{users}}
            }
            userdb {
              driver = passwd-file
              args = username_format=%u {{users}}
            }
            service imap-login {
              chroot =
              inet_listener imap {
                address = {{Host}}
                port = {{Port.ToString(CultureInfo.InvariantCulture)}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            """;
        var path = Path.Combine(root, "dovecot.conf");
        File.WriteAllText(path, config);
        return path;
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static (string LoginUser, string InternalUser, string MailUid, string MailGid) ProcessUsers()
    {
        if (Environment.UserName == "root")
        {
            return ("dovenull", "dovecot", "dovecot", "dovecot");
        }

        // Without root Dovecot cannot switch users: every process runs as this one.
        var status = File.ReadAllLines("/proc/self/status");
        string Id(string field) => status.First(line => line.StartsWith(field, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
        return (Environment.UserName, Environment.UserName, Id("Uid:"), Id("Gid:"));
    }

    private bool Greets()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(Host, Port);
            client.ReceiveTimeout = 2000;
            using var stream = client.GetStream();
            var buffer = new byte[1024];
            var read = stream.Read(buffer);
            var greeting = Encoding.ASCII.GetString(buffer, 0, read);
            if (greeting.StartsWith("* OK", StringComparison.Ordinal) && greeting.Contains(_greeting, StringComparison.Ordinal))
            {
                stream.Write("a LOGOUT\r\n"u8);
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

    private string Describe(StringBuilder output)
    {
        var log = Path.Combine(_root.FullName, "dovecot.log");
        string console;
        lock (output)
        {
            console = output.ToString();
        }

        return console + (File.Exists(log) ? File.ReadAllText(log) : string.Empty);
    }

    private static void Capture(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            if (output.Length < 64 * 1024)
            {
                output.AppendLine(line);
            }
        }
    }
}
