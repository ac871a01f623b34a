using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using IntegrationHub.TestSupport;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>
/// The hub, built in the same configuration as this benchmark, run as its own process (<c>dotnet IntegrationHub.dll</c>)
/// so that its CPU time and peak memory are its alone. Its console output goes to <c>hub.log</c> in its data directory.
/// </summary>
internal sealed class HubProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;

    private HubProcess(Process process, Uri baseUrl, string apiKey, string dataDirectory)
    {
        _process = process;
        BaseUrl = baseUrl;
        ApiKey = apiKey;
        DataDirectory = dataDirectory;
    }

    public Uri BaseUrl { get; }

    public string ApiKey { get; }

    public string DataDirectory { get; }

    public int Pid => _process.Id;

    public string LogPath => Path.Combine(DataDirectory, "hub.log");

    public bool KeepData { get; init; }

    public static async Task<HubProcess> StartAsync(string storage, string? connectionString, int workers, bool keepData, bool perfMap = false, IReadOnlyList<string>? extraEnvironment = null)
    {
        var hubDll = FindHubDll();
        var dataDirectory = Directory.CreateTempSubdirectory("bench-hub-").FullName;
        var port = Ports.FreeTcpPort();
        var baseUrl = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
        var apiKey = "bench-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

        // exec keeps the shell's pid for the hub, so /proc/<pid> is the hub's own.
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(hubDll)!,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec dotnet \"$0\" >\"$1\" 2>&1");
        start.ArgumentList.Add(hubDll);
        start.ArgumentList.Add(Path.Combine(dataDirectory, "hub.log"));
        var environment = start.Environment;
        environment["DOTNET_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["ASPNETCORE_URLS"] = baseUrl.GetLeftPart(UriPartial.Authority);
        environment["Urls"] = baseUrl.GetLeftPart(UriPartial.Authority);
        environment["Hub__DataDirectory"] = dataDirectory;
        environment["Hub__PublicBaseUrl"] = baseUrl.ToString();
        environment["Hub__BootstrapApiKey"] = apiKey;
        environment["Hub__Database__Provider"] = storage;
        environment["Hub__Dispatch__WorkerCount"] = workers.ToString(CultureInfo.InvariantCulture);
        if (perfMap)
        {
            // /tmp/perf-<pid>.map: perf names the JIT-compiled frames (see PerfRecorder). With W^X on, JIT code runs
            // from a memfd double mapping that perf does not look up in the map: off while profiling.
            environment["DOTNET_PerfMapEnabled"] = "1";
            environment["DOTNET_EnableWriteXorExecute"] = "0";
        }

        foreach (var variable in extraEnvironment ?? [])
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            environment[variable[..equals]] = variable[(equals + 1)..];
        }

        if (connectionString is not null)
        {
            environment["ConnectionStrings__Hub"] = connectionString;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the hub.");
        var hub = new HubProcess(process, baseUrl, apiKey, dataDirectory) { KeepData = keepData };
        try
        {
            await hub.WaitHealthyAsync();
        }
        catch
        {
            await hub.DisposeAsync();
            throw;
        }

        return hub;
    }

    public HttpClient CreateClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = BaseUrl, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return client;
    }

    public double CpuSeconds() => ProcessStats.CpuSeconds(Pid);

    public long PeakRssKb() => ProcessStats.StatusKb(Pid, "VmHWM");

    /// <summary>Resets the peak RSS (<c>VmHWM</c>) to the current RSS: writes 5 to /proc/pid/clear_refs (Linux 4.0+).</summary>
    public void ResetPeakRss() => File.WriteAllText($"/proc/{Pid.ToString(CultureInfo.InvariantCulture)}/clear_refs", "5");

    public long RssKb() => ProcessStats.StatusKb(Pid, "VmRSS");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (!KeepData)
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private async Task WaitHealthyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The hub exited with code {_process.ExitCode}:\n{Tail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("health", UriKind.Relative));
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
                // Listening but busy starting.
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"The hub did not answer /health within {StartTimeout.TotalSeconds} s:\n{Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), TimeProvider.System);
        }
    }

    public string Tail(int lines = 40) => File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no log)";

    private static string FindHubDll()
    {
        // bench/Dispatch/bin/<Configuration>/net10.0/ → src/Hub/bin/<Configuration>/net10.0/IntegrationHub.dll
        var here = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        for (var dir = here; dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IntegrationHub.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "Hub", "bin", configuration, framework, "IntegrationHub.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"The hub is not built in {configuration}: {dll}");
            }
        }

        throw new InvalidOperationException($"No IntegrationHub.sln above {AppContext.BaseDirectory}.");
    }
}
