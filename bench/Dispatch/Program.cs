using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using IntegrationHub.Bench.Dispatch;
using IntegrationHub.TestSupport.Graph;
using IntegrationHub.TestSupport.Postgres;
using IntegrationHub.TestSupport.Twilio;

// Dispatch benchmark (issue 7): the hub as its own process against stand-in providers on 127.0.0.1, then, in the same
// run, a plain sender with the same client libraries and concurrency against fresh stand-ins. Prints figures, asserts
// only that every message arrived exactly once.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

var inv = CultureInfo.InvariantCulture;
var clock = TimeProvider.System;
Console.WriteLine(string.Create(inv,
    $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
Console.WriteLine(string.Create(inv,
    $"Run: {options.Authorities} authorities × {options.Members} members = {options.Messages} convocations × {options.Channels} channels (email + SMS{(options.Calendar ? " + calendar: one Graph event per session, every member an attendee" : "")}) = {options.Messages * options.Channels} deliveries; storage {options.Storage}; SMTP stand-in {options.Smtp}; {options.Workers} workers{(options.WarmupAuthorities > 0 ? $"; measured after a warm-up dispatch of {options.WarmupAuthorities} more authorities" : "")}"));

var expected = options.Messages;
// One organiser mailbox per authority, known to every Graph stand-in (the hub's and the baseline's).
string[] mailboxes = [.. Enumerable.Range(0, options.Authorities + options.WarmupAuthorities).Select(HubDriver.OrganizerMailbox)];
List<BaselineMessage> replay;
HubFigures hubFigures;

using (var smtp = new SmtpSink(options.Smtp))
await using (var twilio = await TwilioStandIn.StartAsync())
await using (var graph = options.Calendar ? await GraphStandIn.StartAsync(null, mailboxes) : null)
{
    // What the warm-up left at the stand-ins: the measured part counts from there.
    var warm = (Smtp: 0, Sms: 0, Events: 0, GraphRequests: 0);
    HashSet<string?> warmEmails = [], warmSms = [];
    int Smtp() => smtp.Count - warm.Smtp;
    int Sms() => twilio.MessageRequests - warm.Sms;
    int Events() => (graph?.EventCount ?? 0) - warm.Events;
    int Received() => Smtp() + Sms() + Events();
    string? connectionString = options.Storage == "postgresql" ? await PostgresServer.Instance.CreateDatabaseAsync("bench_dispatch") : null;
    await using var hub = await HubProcess.StartAsync(options.Storage, connectionString, options.Workers, options.KeepHubData, perfMap: options.PerfRecord is not null, options.HubEnvironment);
    Console.WriteLine($"Hub: pid {hub.Pid}, {hub.BaseUrl}, data {hub.DataDirectory}");
    using var http = hub.CreateClient();
    if (options.WarmupAuthorities > 0)
    {
        // A warm hub: the same shape of dispatch, through to the end, before the measured one (JIT, pools, caches).
        var warmClock = Stopwatch.StartNew();
        var warmOptions = options with { Authorities = options.WarmupAuthorities };
        var warmDriver = new HubDriver(http, warmOptions, firstIndex: options.Authorities);
        await warmDriver.SetupAsync(smtp, twilio, graph);
        var warmDeliveries = await warmDriver.SendAllAsync();
        await warmDriver.WaitAllSentAsync(Received, warmOptions.Messages * 2 + (graph is null ? 0 : warmOptions.Authorities), options.Timeout);
        warm = (smtp.Count, twilio.MessageRequests, graph?.EventCount ?? 0, graph?.Requests.Count ?? 0);
        warmEmails = [.. (await smtp.MessagesAsync()).Select(m => m.MessageId)];
        warmSms = [.. twilio.Messages.Select(m => m.IdempotencyToken)];
        if (warmDeliveries != warmOptions.Messages * options.Channels || warm.Smtp != warmOptions.Messages || warmEmails.Count != warm.Smtp
            || warm.Sms != warmOptions.Messages || warmSms.Count != warm.Sms || (graph is not null && warm.Events != warmOptions.Authorities))
        {
            throw new InvalidOperationException(string.Create(inv,
                $"Warm-up: {warmDeliveries} deliveries planned; SMTP {warm.Smtp} ({warmEmails.Count} distinct), Twilio {warm.Sms} ({warmSms.Count} distinct), Graph events {warm.Events}; expected {warmOptions.Messages} each."));
        }

        Console.WriteLine(string.Create(inv,
            $"Warm-up: {warmOptions.Authorities} authorities set up and {warmDeliveries} deliveries sent, each message once, in {warmClock.Elapsed.TotalSeconds:F1} s; hub CPU {hub.CpuSeconds():F1} s since start; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
    }

    var driver = new HubDriver(http, options);

    var setupClock = Stopwatch.StartNew();
    await driver.SetupAsync(smtp, twilio, graph);
    Console.WriteLine(string.Create(inv, $"Setup through the API: {setupClock.Elapsed.TotalSeconds:F1} s ({options.Authorities} authorities, sessions ready)"));

    if (connectionString is not null)
    {
        // Backends report their statistics at most once a second: let the setup's writes land before the snapshot.
        await Task.Delay(TimeSpan.FromSeconds(2), clock);
    }

    var pgBefore = connectionString is null ? null : await PostgresActivity.ReadAsync(connectionString);
    await using var perf = options.PerfRecord is null ? null : await PerfRecorder.StartAsync(options.PerfRecord, hub.Pid, options.PerfSystemWide);
    var cpuBefore = hub.CpuSeconds();
    var rssBefore = hub.RssKb();
    hub.ResetPeakRss();
    using var stopSampling = new CancellationTokenSource();
    var busySamples = new List<double>();
    var t0 = clock.GetUtcNow();
    var dispatchClock = Stopwatch.StartNew();
    var sampler = Task.Run(async () =>
    {
        for (var i = 0; !stopSampling.IsCancellationRequested; i++)
        {
            busySamples.Add(await driver.TimeConvocationsAsync(driver.Sessions[i % driver.Sessions.Count]));
            await Task.Delay(TimeSpan.FromMilliseconds(100), clock);
        }
    });

    // The sends run while the stand-ins are watched, so the first message's arrival is seen even before they all answer.
    var sending = driver.SendAllAsync();
    TimeSpan? firstArrival = null;
    while (!sending.IsCompleted)
    {
        if (firstArrival is null && Received() > 0)
        {
            firstArrival = dispatchClock.Elapsed;
        }

        await Task.WhenAny(sending, Task.Delay(TimeSpan.FromMilliseconds(20), clock));
    }

    var deliveries = await sending;
    var sendsReturned = dispatchClock.Elapsed;
    var cpuAtSends = hub.CpuSeconds() - cpuBefore;
    var receivedAtSends = Received();
    if (deliveries != expected * options.Channels)
    {
        throw new InvalidOperationException($"The hub planned {deliveries} deliveries, expected {expected * options.Channels}.");
    }

    TimeSpan? standInsDone = null;
    var confirmed = new HashSet<Guid>();
    var lastSentAt = DateTimeOffset.MinValue;
    var hubChecks = 0;
    var progress = (Count: -1, At: TimeSpan.Zero);
    while (true)
    {
        if (dispatchClock.Elapsed > options.Timeout)
        {
            throw new TimeoutException(string.Create(inv,
                $"Not done within {options.Timeout}: SMTP {Smtp()}/{expected}, Twilio {Sms()}/{expected}, Graph events {Events()}/{(graph is null ? 0 : driver.Sessions.Count)}.\n{hub.Tail()}"));
        }

        if (firstArrival is null && Received() > 0)
        {
            firstArrival = dispatchClock.Elapsed;
        }

        if (standInsDone is null && Smtp() >= expected && Sms() >= expected && (graph is null || Events() >= driver.Sessions.Count))
        {
            standInsDone = dispatchClock.Elapsed;
        }

        // Stalled stand-ins: ask the hub, which throws on a delivery that failed for good rather than waiting for the timeout.
        var received = Received();
        if (received != progress.Count)
        {
            progress = (received, dispatchClock.Elapsed);
        }
        else if (standInsDone is null && dispatchClock.Elapsed - progress.At > TimeSpan.FromSeconds(20))
        {
            await driver.CheckSentAsync([], DateTimeOffset.MinValue);
            progress = (received, dispatchClock.Elapsed);
        }

        if (standInsDone is not null)
        {
            // Only once the stand-ins hold everything: one GET per session not yet confirmed (cheap, bounded).
            hubChecks++;
            var (allSent, last, _) = await driver.CheckSentAsync(confirmed, lastSentAt);
            lastSentAt = last;
            if (allSent)
            {
                break;
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(50), clock);
    }

    var doneAt = dispatchClock.Elapsed;
    var cpuAfter = hub.CpuSeconds();
    if (perf is not null)
    {
        await perf.StopAsync();
    }

    var pgAfter = connectionString is null ? null : await PostgresActivity.ReadAsync(connectionString);
    await stopSampling.CancelAsync();
    await sampler;
    var recordedEnd = lastSentAt - t0;
    var wall = recordedEnd > standInsDone!.Value ? recordedEnd : standInsDone.Value;

    // The idle hub, right after: same request, same pacing.
    var idleSamples = new List<double>();
    for (var i = 0; i < Math.Max(200, driver.Sessions.Count); i++)
    {
        idleSamples.Add(await driver.TimeConvocationsAsync(driver.Sessions[i % driver.Sessions.Count]));
        await Task.Delay(TimeSpan.FromMilliseconds(20), clock);
    }

    // The measured part's messages; a warm-up message arriving again would show as a difference here.
    var allEmails = await smtp.MessagesAsync();
    var emails = allEmails.Where(m => !warmEmails.Contains(m.MessageId)).ToList();
    var sms = twilio.Messages.Where(m => !warmSms.Contains(m.IdempotencyToken)).ToList();
    if (allEmails.Count - emails.Count != warm.Smtp || twilio.Messages.Count - sms.Count != warm.Sms)
    {
        throw new InvalidOperationException("A warm-up message arrived again during the measured dispatch.");
    }

    var distinctEmails = emails.Select(m => m.MessageId).Distinct(StringComparer.Ordinal).Count();
    var distinctSms = sms.Select(m => m.IdempotencyToken).Distinct(StringComparer.Ordinal).Count();
    var events = graph is null ? [] : CalendarEvent.Created([.. graph.Requests.Skip(warm.GraphRequests)]);
    var attendees = events.Sum(e => e.Attendees);
    hubFigures = new HubFigures(
        deliveries, wall, standInsDone.Value, recordedEnd, sendsReturned, firstArrival!.Value, doneAt, hubChecks,
        cpuAtSends, receivedAtSends, cpuAfter - cpuBefore, hub.CpuSeconds(), rssBefore, hub.PeakRssKb(), busySamples, idleSamples,
        emails.Count, distinctEmails, sms.Count, distinctSms, smtp.Connections, graph is null ? null : Events(), events.Count, attendees,
        File.ReadLines(hub.LogPath).Count(l => l.StartsWith("warn:", StringComparison.Ordinal)),
        File.ReadLines(hub.LogPath).Count(l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal)));
    hubFigures.Print(inv);
    if (pgBefore is not null)
    {
        pgAfter!.PrintSince(pgBefore, deliveries);
    }

    // The same messages for the baseline, interleaved email / SMS, a session's event every M members.
    replay = [];
    for (var i = 0; i < Math.Max(emails.Count, sms.Count); i++)
    {
        if (i % options.Members == 0 && i / options.Members < events.Count)
        {
            replay.Add(new BaselineMessage(null, null, null, events[i / options.Members]));
        }

        if (i < emails.Count)
        {
            replay.Add(new BaselineMessage(emails[i], null, null));
        }

        if (i < sms.Count)
        {
            replay.Add(new BaselineMessage(null, [.. sms[i].Form], sms[i].IdempotencyToken));
        }
    }
}

if (options.HubOnly)
{
    return 0;
}

Console.WriteLine();
var ratios = new List<string>();
foreach (var noDelay in new[] { false, true })
{
    using var smtp = new SmtpSink(options.Smtp);
    await using var twilio = await TwilioStandIn.StartAsync();
    await using var graph = options.Calendar ? await GraphStandIn.StartAsync(null, mailboxes) : null;
    var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
    var (baselineWall, emailMs, smsMs, graphMs) = await Baseline.RunAsync(replay, smtp, twilio, graph, options.Workers, noDelay);
    var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
    var expectedEvents = options.Calendar ? options.Authorities : 0;
    if (smtp.Count != expected || twilio.MessageRequests != expected || (graph?.EventCount ?? 0) != expectedEvents)
    {
        throw new InvalidOperationException(string.Create(inv, $"Baseline: SMTP {smtp.Count}/{expected}, Twilio {twilio.MessageRequests}/{expected}, Graph events {graph?.EventCount ?? 0}/{expectedEvents}."));
    }

    var name = noDelay ? "Baseline with TCP_NODELAY on SMTP (what the stand-ins allow)" : "Baseline (plain sender, MailKit defaults like the hub, no database, no jobs)";
    Console.WriteLine(name + ":");
    Console.WriteLine(string.Create(inv, $"  messages            {replay.Count} ({expected} emails + {expected} SMS{(graph is null ? "" : $" + {expectedEvents} Graph events")}), {options.Workers} concurrent senders, SMTP connections {smtp.Connections}"));
    Console.WriteLine(string.Create(inv, $"  wall time           {baselineWall.TotalSeconds:F2} s"));
    Console.WriteLine(string.Create(inv, $"  messages/s          {replay.Count / baselineWall.TotalSeconds:F0}"));
    Console.WriteLine(string.Create(inv, $"  mean send           SMTP {emailMs:F1} ms, Twilio POST {smsMs:F1} ms{(graph is null ? "" : $", Graph event POST {graphMs:F1} ms")}"));
    Console.WriteLine(string.Create(inv, $"  CPU (bench process, stand-ins included) {cpu.TotalSeconds:F1} s"));
    ratios.Add(string.Create(inv, $"{hubFigures.Wall.TotalSeconds / baselineWall.TotalSeconds:F2} {(noDelay ? "against the TCP_NODELAY baseline" : "(same client libraries, same settings)")}"));
}

Console.WriteLine();
Console.WriteLine("Ratio hub ÷ baseline (wall time): " + string.Join("; ", ratios));

return 0;

internal sealed record HubFigures(
    int Deliveries, TimeSpan Wall, TimeSpan StandInsDone, TimeSpan RecordedEnd, TimeSpan SendsReturned, TimeSpan FirstArrival, TimeSpan DoneAt, int HubChecks,
    double CpuAtSends, int ReceivedAtSends, double CpuDispatch, double CpuTotal, long RssBeforeKb, long PeakRssKb, List<double> Busy, List<double> Idle,
    int Emails, int DistinctEmails, int Sms, int DistinctSms, int SmtpConnections, int? GraphEvents, int CreatedEvents, int Attendees, int Warnings, int Errors)
{
    public void Print(CultureInfo inv)
    {
        Console.WriteLine();
        Console.WriteLine("Hub:");
        Console.WriteLine(string.Create(inv, $"  deliveries          {Deliveries} (received: {Emails} emails, {DistinctEmails} distinct Message-IDs; {Sms} SMS, {DistinctSms} distinct idempotency tokens)"));
        if (GraphEvents is { } stored)
        {
            Console.WriteLine(string.Create(inv, $"  calendar            {stored} Graph events stored, {CreatedEvents} created by a 201 POST (distinct transactionIds), {Attendees} attendees"));
        }

        Console.WriteLine(string.Create(inv, $"  wall time           {Wall.TotalSeconds:F2} s (first send → last delivery recorded sent; stand-ins complete at {StandInsDone.TotalSeconds:F2} s, last sentAt at {RecordedEnd.TotalSeconds:F2} s)"));
        Console.WriteLine(string.Create(inv, $"  all sends answered  {SendsReturned.TotalSeconds:F2} s ({Deliveries / (GraphEvents is null ? 2 : 3)} convocations written); first message at a stand-in after {FirstArrival.TotalSeconds:F2} s"));
        Console.WriteLine(string.Create(inv, $"  deliveries/s        {Deliveries / Wall.TotalSeconds:F0}"));
        Console.WriteLine(string.Create(inv, $"  hub CPU             {CpuDispatch:F1} s during the dispatch ({CpuDispatch / Wall.TotalSeconds:F2} cores; {1000 * CpuDispatch / Deliveries:F2} ms per delivery), {CpuTotal:F1} s since start"));
        // The sends write the outbox (convocations, deliveries, their ledger entries); deliveries already go out meanwhile.
        Console.WriteLine(string.Create(inv, $"  of which            {CpuAtSends:F1} s until all sends were answered ({ReceivedAtSends} messages at the stand-ins by then), {CpuDispatch - CpuAtSends:F1} s after"));
        Console.WriteLine(string.Create(inv, $"  hub memory          peak RSS {PeakRssKb / 1024.0:F0} MB (RSS {RssBeforeKb / 1024.0:F0} MB before the first send)"));
        Console.WriteLine(string.Create(inv, $"  GET convocations    during dispatch p50 {Percentiles.Of(Busy, 50):F1} ms, p99 {Percentiles.Of(Busy, 99):F1} ms ({Busy.Count} samples); idle p50 {Percentiles.Of(Idle, 50):F1} ms, p99 {Percentiles.Of(Idle, 99):F1} ms ({Idle.Count} samples)"));
        Console.WriteLine(string.Create(inv, $"  SMTP connections    {SmtpConnections}; hub log: {Warnings} warnings, {Errors} errors; completion checked in {HubChecks} pass(es)"));
    }
}
