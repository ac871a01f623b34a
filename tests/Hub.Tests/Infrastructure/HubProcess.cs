using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using IntegrationHub.Persistence;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Postgres;

namespace IntegrationHub.Tests.Infrastructure;

/// <summary>
/// The real hub as a separate OS process (<c>dotnet IntegrationHub.dll</c>), configured only through environment
/// variables, on a real clock and a free loopback port. <see cref="Kill"/> is a SIGKILL (nothing runs after it:
/// no graceful shutdown, no finally block); <see cref="StopAsync"/> is a graceful stop (SIGTERM).
/// </summary>
public sealed class HubProcess : IAsyncDisposable
{
    public static readonly string BootstrapKey = FakeSecrets.Token("fault-tests-bootstrap");

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private const int MaxCapturedChars = 256 * 1024;

    private readonly StringBuilder _output = new();
    private Process? _process;

    private HubProcess(Options options, string name)
    {
        Config = options;
        Name = name;
        Port = Ports.FreeTcpPort();
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}/"));
        Admin = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BootstrapKey);
    }

    /// <summary>Where a hub keeps its state: a data directory, and a PostgreSQL database unless it is SQLite.</summary>
    public sealed record Options(TestDatabase Database, string DataDirectory, string? ConnectionString, IReadOnlyDictionary<string, string> Environment)
    {
        public DatabaseProvider Provider => Database == TestDatabase.Postgres ? DatabaseProvider.PostgreSql : DatabaseProvider.Sqlite;

        /// <summary>The hub's database as the test process sees it (to inspect state and verify the ledger).</summary>
        public string HubConnectionString => ConnectionString ?? $"Data Source={Path.Combine(DataDirectory, "hub.db")};Default Timeout=30;Pooling=False";

        public HubDatabase OpenDatabase() => new(Provider, HubConnectionString);
    }

    public Options Config { get; }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseAddress { get; }

    /// <summary>An HTTP client with the bootstrap administrator's key.</summary>
    public HttpClient Admin { get; }

    public int? ProcessId => _process?.Id;

    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>A fresh data directory and, for PostgreSQL, a fresh database.</summary>
    public static async Task<Options> PrepareAsync(TestDatabase database, IReadOnlyDictionary<string, string>? environment = null)
    {
        var data = Path.Combine(Path.GetTempPath(), "hub-process-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var connectionString = database == TestDatabase.Postgres ? await PostgresServer.Instance.CreateDatabaseAsync("faults") : null;
        return new Options(database, data, connectionString, environment ?? new Dictionary<string, string>());
    }

    /// <summary>Starts a hub process and waits, bounded, until <c>/health</c> answers 200.</summary>
    public static async Task<HubProcess> StartAsync(Options options, string name = "hub")
    {
        var hub = new HubProcess(options, name);
        hub.Start();
        try
        {
            await hub.WaitHealthyAsync();
        }
        catch
        {
            hub.Kill();
            throw;
        }
        return hub;
    }

    private void Start()
    {
        var dll = typeof(Program).Assembly.Location;
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        startInfo.ArgumentList.Add(dll);
        // The command line wins over appsettings.json's "Urls".
        startInfo.ArgumentList.Add("--urls");
        startInfo.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));
        var environment = startInfo.Environment;
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        environment["Hub__DataDirectory"] = Config.DataDirectory;
        environment["Hub__BootstrapApiKey"] = BootstrapKey;
        environment["Hub__PublicBaseUrl"] = "http://hub.test/";
        environment["Hub__Dispatch__PollInterval"] = "00:00:00.200";
        environment["Logging__Console__FormatterName"] = "simple";
        environment["Logging__LogLevel__Default"] = "Warning";
        environment["Logging__LogLevel__IntegrationHub.Dispatch.DeliverySweeper"] = "Information";
        if (Config.Database == TestDatabase.Postgres)
        {
            environment["Hub__Database__Provider"] = "postgresql";
            environment["ConnectionStrings__Hub"] = Config.ConnectionString;
        }
        foreach (var (key, value) in Config.Environment)
        {
            environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
    }

    /// <summary>The <c>dotnet</c> host that runs the tests (set by the SDK), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        var fromSdk = System.Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }
        var current = System.Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private async Task WaitHealthyAsync()
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"The hub process {Name} exited with code {_process.ExitCode} before it was ready.\n{Output}");
            }
            try
            {
                using var response = await probe.GetAsync(new Uri("health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }
            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"The hub process {Name} was not healthy within {StartTimeout.TotalSeconds} s.\n{Output}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System);
        }
    }

    /// <summary>SIGKILL to the hub and any process it started; returns once it is gone.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Capture($"--- {Name} killed (SIGKILL) ---");
    }

    /// <summary>A graceful stop (SIGTERM), bounded; a hub that does not stop in time is killed.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Everything the process wrote to stdout and stderr (bounded).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
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
            if (_output.Length > MaxCapturedChars)
            {
                // Keep the end: the last lines explain a failure.
                _output.Remove(0, _output.Length - MaxCapturedChars / 2);
            }
            _output.AppendLine(line);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        _process = null;
        Admin.Dispose();
        return ValueTask.CompletedTask;
    }
}
