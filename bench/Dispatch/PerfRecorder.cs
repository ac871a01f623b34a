using System.Diagnostics;
using System.Globalization;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>
/// <c>perf record</c> over the dispatch window only (first <c>send</c> → last delivery recorded sent): the software
/// <c>cpu-clock</c> event (hardware counters are not available in every VM), 499 Hz, call graphs. Attached to the hub's
/// pid, or to the whole machine (<c>-a</c>) to count what the stand-ins and other processes take. The hub is started
/// with <c>DOTNET_PerfMapEnabled=1</c> so that <c>perf script</c> names JIT-compiled frames from /tmp/perf-PID.map.
/// </summary>
internal sealed class PerfRecorder : IAsyncDisposable
{
    private readonly Process _perf;

    private PerfRecorder(Process perf) => _perf = perf;

    public static async Task<PerfRecorder> StartAsync(string output, int hubPid, bool systemWide)
    {
        var start = new ProcessStartInfo("perf") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { "record", "-e", "cpu-clock", "-F", "499", "-g", "-o", output })
        {
            start.ArgumentList.Add(arg);
        }

        if (systemWide)
        {
            start.ArgumentList.Add("-a");
        }
        else
        {
            start.ArgumentList.Add("-p");
            start.ArgumentList.Add(hubPid.ToString(CultureInfo.InvariantCulture));
        }

        var perf = Process.Start(start) ?? throw new InvalidOperationException("Could not start perf.");
        // perf prints nothing until it stops; give it the time to open its events before the first send.
        await Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System);
        if (perf.HasExited)
        {
            throw new InvalidOperationException($"perf record exited with code {perf.ExitCode}: {await perf.StandardError.ReadToEndAsync()}");
        }

        return new PerfRecorder(perf);
    }

    /// <summary>Stops recording the way Ctrl-C does (SIGINT), so that perf writes a complete file.</summary>
    public async Task StopAsync()
    {
        if (_perf.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-INT", _perf.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        var stderr = await _perf.StandardError.ReadToEndAsync();
        await _perf.WaitForExitAsync();
        Console.WriteLine("perf: " + stderr.Trim().Replace('\n', ' '));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _perf.Dispose();
    }
}
