using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using Npgsql;

namespace IntegrationHub.TestSupport.Postgres;

/// <summary>
/// One PostgreSQL server per test process: either the server named by <c>HUB_TEST_POSTGRES</c>, or a throwaway
/// cluster started on 127.0.0.1 on first use and removed when the process exits. Each test creates its own
/// database, so tests never share state and may run in parallel.
/// </summary>
public sealed class PostgresServer
{
    public const string ConnectionStringVariable = "HUB_TEST_POSTGRES";

    private static readonly Lazy<PostgresServer> LazyInstance = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    private PostgresServer(string adminConnectionString) => AdminConnectionString = adminConnectionString;

    /// <summary>Started on first access; a failure to start is rethrown to every caller.</summary>
    public static PostgresServer Instance => LazyInstance.Value;

    /// <summary>A superuser (or CREATEDB) connection to the <c>postgres</c> maintenance database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>Creates an empty, uniquely named database and returns a pooled connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var name = UniqueDatabaseName(prefix);
        var admin = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            // The name is built from [a-z0-9_] only: identifiers cannot be bound as parameters.
            await using var command = new NpgsqlCommand("CREATE DATABASE \"" + name + "\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString)
        {
            Database = name,
            Pooling = true,
            IncludeErrorDetail = true,
        }.ConnectionString;
    }

    private static string UniqueDatabaseName(string? prefix)
    {
        var safe = new StringBuilder();
        foreach (var c in (string.IsNullOrWhiteSpace(prefix) ? "test" : prefix).ToLowerInvariant())
        {
            safe.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        // PostgreSQL truncates identifiers to 63 bytes: keep the random part whole so names stay unique
        // even when several test processes share one HUB_TEST_POSTGRES server.
        var head = safe.Length > 40 ? safe.ToString(0, 40) : safe.ToString();
        return head + "_" + Guid.NewGuid().ToString("N")[..20];
    }

    private static PostgresServer Start()
    {
        var external = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            return new PostgresServer(external);
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException(
                $"A throwaway PostgreSQL cluster is started only on Linux; elsewhere set {ConnectionStringVariable}.");
        }

        return new PostgresServer(LocalCluster.Start().AdminConnectionString);
    }

    [SupportedOSPlatform("linux")]
    private sealed class LocalCluster
    {
        private const string DirectoryPrefix = "hub-test-pg-";
        private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

        private readonly string _pgCtl;
        private readonly string _root;
        private readonly string _data;

        private LocalCluster(string pgCtl, string root, int port)
        {
            _pgCtl = pgCtl;
            _root = root;
            _data = Path.Combine(root, "data");
            AdminConnectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
                IncludeErrorDetail = true,
            }.ConnectionString;
        }

        public string AdminConnectionString { get; }

        public static LocalCluster Start()
        {
            var bin = FindBinaries();
            var initDb = Path.Combine(bin, "initdb");
            var pgCtl = Path.Combine(bin, "pg_ctl");

            var root = Directory.CreateTempSubdirectory(DirectoryPrefix).FullName;
            // The postgres user must traverse the directory and own it to create the data dir and the socket.
            File.SetUnixFileMode(root, (UnixFileMode)Convert.ToInt32("755", 8));
            if (Environment.IsPrivilegedProcess)
            {
                Run("chown", ["postgres:", root], root);
            }

            StartWatchdog(pgCtl, root);

            var data = Path.Combine(root, "data");
            Run(initDb, ["-D", data, "-A", "trust", "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8"], root, asPostgres: true);

            // Another process can take the free port before the postmaster binds it: try a few ports.
            var log = Path.Combine(root, "server.log");
            for (var attempt = 1; ; attempt++)
            {
                var port = Ports.FreeTcpPort();
                var options = string.Join(
                    ' ',
                    $"-p {port.ToString(CultureInfo.InvariantCulture)} -h 127.0.0.1 -k '{root}'",
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200");
                var (exitCode, output) = TryRun(pgCtl, ["-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start"], root, asPostgres: true);
                if (exitCode == 0)
                {
                    var cluster = new LocalCluster(pgCtl, root, port);
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => cluster.Stop();
                    return cluster;
                }

                var serverLog = File.Exists(log) ? File.ReadAllText(log) : "";
                if (attempt == 5 || !serverLog.Contains("could not bind", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"The test PostgreSQL cluster in {root} did not start (pg_ctl exit code {exitCode}).\n{output}\n{serverLog}");
                }
            }
        }

        public void Stop()
        {
            // ProcessExit is the last boundary of the test process: report, never throw, so a failed clean-up
            // cannot turn a green test run into a crashed test host.
            try
            {
                Run(_pgCtl, ["-D", _data, "-m", "immediate", "-w", "stop"], _root, asPostgres: true);
                Directory.Delete(_root, recursive: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or TimeoutException)
            {
                Console.Error.WriteLine($"Could not remove the test PostgreSQL cluster in {_root}: {ex}");
            }
        }

        // The test platform kills its test host soon after the last test, often before ProcessExit handlers
        // finish, and a killed host runs none: a detached shell outlives this process and removes the cluster
        // once it is gone, however it ended.
        private static void StartWatchdog(string pgCtl, string root)
        {
            const string Script = """
                exec </dev/null >/dev/null 2>&1
                while kill -0 "$1" 2>/dev/null; do sleep 1; done
                if [ "$(id -u)" = 0 ]; then
                    runuser -u postgres -- "$2" -D "$3/data" -m immediate -w stop
                else
                    "$2" -D "$3/data" -m immediate -w stop
                fi
                rm -rf "$3"
                """;
            Run(
                "setsid",
                ["--fork", "sh", "-c", Script, "hub-test-postgres-cleanup", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), pgCtl, root],
                root);
        }

        private static string FindBinaries()
        {
            const string Root = "/usr/lib/postgresql";
            var candidates = Directory.Exists(Root) ? Directory.GetDirectories(Root) : [];
            var best = candidates
                .Where(dir => File.Exists(Path.Combine(dir, "bin", "initdb")) && File.Exists(Path.Combine(dir, "bin", "pg_ctl")))
                .Select(dir => (Dir: dir, Version: int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(candidate => candidate.Version)
                .Select(candidate => candidate.Dir)
                .FirstOrDefault();
            return best is null
                ? throw new InvalidOperationException(
                    "PostgreSQL is not installed: the tests need initdb and pg_ctl under /usr/lib/postgresql/<version>/bin. " +
                    "Install them with `apt-get install -y postgresql` (./test.sh does this), or set " +
                    $"{ConnectionStringVariable} to the connection string of a server where the user may create databases.")
                : Path.Combine(best, "bin");
        }

        private static void Run(string fileName, IReadOnlyList<string> arguments, string workingDirectory, bool asPostgres = false)
        {
            var (exitCode, output) = TryRun(fileName, arguments, workingDirectory, asPostgres);
            if (exitCode != 0)
            {
                throw new InvalidOperationException(
                    $"`{fileName} {string.Join(' ', arguments)}` failed with exit code {exitCode}:\n{output}");
            }
        }

        // initdb and the postmaster refuse to run as root: as root, run them as the postgres user that the
        // Debian package creates; as anyone else, run them as that user directly.
        private static (int ExitCode, string Output) TryRun(
            string fileName, IReadOnlyList<string> arguments, string workingDirectory, bool asPostgres)
        {
            var viaRunuser = asPostgres && Environment.IsPrivilegedProcess;
            var start = new ProcessStartInfo(viaRunuser ? "runuser" : fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory,
            };
            if (viaRunuser)
            {
                foreach (var argument in (string[])["-u", "postgres", "--", fileName])
                {
                    start.ArgumentList.Add(argument);
                }
            }

            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)
                ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(CommandTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"`{fileName} {string.Join(' ', arguments)}` did not finish within {CommandTimeout}.");
            }

            // pg_ctl sends the postmaster's output to the log file, so these pipes close when the command exits.
            if (!Task.WaitAll([stdout, stderr], CommandTimeout))
            {
                throw new TimeoutException($"`{fileName}` kept its output open after exiting.");
            }

            return (process.ExitCode, stdout.Result + stderr.Result);
        }
    }
}
