using System.Diagnostics;
using System.Globalization;
using IntegrationHub.Dispatch;
using IntegrationHub.Persistence;
using IntegrationHub.Tests.Infrastructure;
using IntegrationHub.TestSupport;
using IntegrationHub.TestSupport.Smtp;
using Xunit;
using Xunit.Abstractions;

namespace IntegrationHub.Tests.Faults;

/// <summary>
/// Hub processes and an SMTP sink (aiosmtpd) for one fault test; every process is killed at the end and its
/// output goes to the test's output, so a failure shows what the hub logged.
/// </summary>
public abstract class FaultTestBase(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<HubProcess> _hubs = [];

    protected ITestOutputHelper Output { get; } = output;

    protected SmtpSinkServer Smtp { get; } = new();

    /// <summary>SMTP pointed at the sink, short claim timeout and sweeps, short retries; <paramref name="extra"/> wins.</summary>
    protected Dictionary<string, string> Environment(int workers = 4, IReadOnlyDictionary<string, string>? extra = null)
    {
        var environment = new Dictionary<string, string>
        {
            ["Hub__Connectors__Email__Host"] = Smtp.Host,
            ["Hub__Connectors__Email__Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Hub__Connectors__Email__Security"] = "None",
            ["Hub__Connectors__Email__FromAddress"] = "convocations@panne-sur-test.fr",
            ["Hub__Dispatch__WorkerCount"] = workers.ToString(CultureInfo.InvariantCulture),
            ["Hub__Dispatch__ClaimTimeout"] = "00:00:10",
            ["Hub__Dispatch__SweepInterval"] = "00:00:05",
            ["Hub__Dispatch__RetryDelays__0"] = "00:00:01",
            ["Hub__Dispatch__RetryDelays__1"] = "00:00:01",
            ["Hub__Dispatch__RetryDelays__2"] = "00:00:01",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }
        return environment;
    }

    protected async Task<HubProcess> StartHubAsync(HubProcess.Options options, string name)
    {
        var hub = await HubProcess.StartAsync(options, name);
        _hubs.Add(hub);
        return hub;
    }

    protected void Report(string line) => Output.WriteLine(line);

    /// <summary>What was true at the instant <see cref="KillMidDispatchAsync"/> killed a hub.</summary>
    protected sealed record KillSnapshot(TimeSpan After, int MessagesAtSink, IReadOnlyList<string> Sending, Stopwatch Clock);

    /// <summary>Sends the session, SIGKILLs <paramref name="victim"/> once the sink holds ≥ 100 messages (before it holds them all).</summary>
    protected async Task<KillSnapshot> KillMidDispatchAsync(FaultScenario s, HttpClient sender, HubProcess victim, HubDatabase db)
    {
        var clock = Stopwatch.StartNew();
        await s.SendAsync(sender);
        await Eventually.WaitAsync(() => Task.FromResult(Smtp.MessageCount), n => n >= 100, TimeSpan.FromSeconds(60), "100 messages at the sink");
        victim.Kill();
        var atKill = Smtp.MessageCount;
        var after = clock.Elapsed;
        Assert.True(atKill < s.MemberEmails.Count, $"the dispatch had finished ({atKill} messages) before the kill: nothing was interrupted");
        // A row the dead process held stays "sending" until a restart or the claim timeout: read now, it is complete.
        return new KillSnapshot(after, atKill, await s.RecipientsInStatusAsync(db, DeliveryStatus.Sending), clock);
    }

    /// <summary>
    /// Waits until <paramref name="survivor"/> has every delivery recorded as sent, then checks the sink's own counts
    /// (duplicates only in the window) and the ledger, and reports the figures. With <paramref name="victimWasAlone"/>
    /// (no other node was running), every row "sending" at the kill was the dead process's and must show a second attempt.
    /// </summary>
    protected async Task AssertRecoveredAsync(string label, FaultScenario s, HubProcess survivor, HubDatabase db, KillSnapshot kill, bool victimWasAlone)
    {
        await s.WaitAllSentAsync(survivor.Admin, TimeSpan.FromSeconds(90));
        var total = kill.Clock.Elapsed;
        var messages = await Smtp.WaitForMessagesAsync(s.MemberEmails.Count, TimeSpan.FromSeconds(10));
        Report($"{label}: killed after {kill.After.TotalSeconds:0.0} s with {kill.MessagesAtSink} messages at the sink and {kill.Sending.Count} deliveries 'sending'; "
            + $"all {s.MemberEmails.Count} recorded sent after {total.TotalSeconds:0.0} s; the sink received {messages.Count} messages");
        var duplicated = s.AssertDuplicatesOnlyInWindow(messages, kill.Sending);
        Report($"{label}: {duplicated.Count} duplicate(s) (window: {kill.Sending.Count}){(duplicated.Count > 0 ? ": " + string.Join(", ", duplicated) : "")}");
        await s.AssertOneSentFactPerDeliveryAsync(db);
        // The rows the dead process held were claimed again (a second attempt), not left behind or marked sent blindly.
        var attempts = await s.AttemptsPerRecipientAsync(db);
        Assert.All(victimWasAlone ? kill.Sending : [], r => Assert.True(attempts[r] >= 2, $"{r}: {attempts[r]} attempt(s)"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            var pid = hub.ProcessId?.ToString(CultureInfo.InvariantCulture) ?? "-";
            await hub.DisposeAsync();
            var log = hub.Output;
            Output.WriteLine($"----- output of {hub.Name} (pid {pid}, last 20 kB) -----");
            Output.WriteLine(log.Length > 20_000 ? log[^20_000..] : log);
        }
        Smtp.Dispose();
    }
}
