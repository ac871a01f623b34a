using Microsoft.Extensions.Options;

namespace IntegrationHub.Hosting;

/// <summary>The hub's own settings, section <c>Hub</c>.</summary>
public sealed class HubOptions
{
    public const string SectionName = "Hub";

    /// <summary>Where the embedded database, the email pickup folder, keys and generated files live. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The first administrator's API key. When absent, one is generated into <c>&lt;data&gt;/bootstrap-api-key.txt</c>.</summary>
    public string? BootstrapApiKey { get; set; }

    /// <summary>Public address of the hub, used in the links sent to members. Default: the address of the request.</summary>
    public string? PublicBaseUrl { get; set; }

    public DatabaseOptions Database { get; set; } = new();

    public DispatchOptions Dispatch { get; set; } = new();

    public MailboxOptions Mailboxes { get; set; } = new();

    public DocumentOptions Documents { get; set; } = new();

    public EvidenceOptions Evidence { get; set; } = new();

    public ValidationOptions Validation { get; set; } = new();

    public override string ToString() =>
        $"DataDirectory={DataDirectory}, Provider={Database.Provider}, BootstrapApiKey={(BootstrapApiKey is null ? "(generated)" : "***")}";
}

public sealed class DatabaseOptions
{
    /// <summary><c>sqlite</c> (default), <c>postgresql</c> or <c>sqlserver</c>; the connection string is <c>ConnectionStrings:Hub</c>.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>
    /// A ceiling on the embedded SQLite file, in megabytes (decimals allowed; absent = none): the hub then reports a full
    /// database (507, nothing written) before the host's disk fills and takes the logs and the other services with it.
    /// </summary>
    public double? SqliteMaxSizeMegabytes { get; set; }
}

/// <summary>How deliveries are retried (section <c>Hub:Dispatch</c>).</summary>
public sealed class DispatchOptions
{
    /// <summary>Delays between attempts after a transient failure; the number of entries + 1 is the number of attempts.</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>How often the sweeper looks for deliveries that are due (retries, or work left by a stopped node).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A delivery claimed by a node ("sending") longer than this is considered abandoned by a crashed node and
    /// attempted again. Must exceed the longest provider call.
    /// </summary>
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Hangfire worker count. Default: 2 × processors, at most 20.</summary>
    public int? WorkerCount { get; set; }

    /// <summary>How often Hangfire polls for scheduled jobs and (SQL storages) for queued ones.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Most deliveries of a dispatch one job sends, one after another (each still claimed and recorded on its own). Fewer
    /// jobs cost less bookkeeping (Hangfire writes about ten rows per job on SQL storage); a dispatch is still spread
    /// over every worker, smaller batches being used when it has fewer deliveries than workers × this. 1 gives one job
    /// per delivery.
    /// </summary>
    public int MaxBatchSize { get; set; } = 16;

    internal int EffectiveWorkerCount => WorkerCount ?? Math.Min(Environment.ProcessorCount * 2, 20);

    internal IReadOnlyList<TimeSpan> EffectiveRetryDelays => RetryDelays.Count > 0
        ? RetryDelays
        : [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(2)];
}

/// <summary>Reply mailboxes (section <c>Hub:Mailboxes</c>).</summary>
public sealed class MailboxOptions
{
    /// <summary>How often every authority's reply mailbox is read.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>Session documents (section <c>Hub:Documents</c>).</summary>
public sealed class DocumentOptions
{
    /// <summary>Largest accepted upload, unless the authority has its own limit.</summary>
    public int MaxSizeMegabytes { get; set; } = 1024;

    /// <summary>ClamAV daemon (<c>clamd</c>) host; when empty, uploads are not scanned.</summary>
    public string? ClamdHost { get; set; }

    /// <summary>ClamAV daemon port.</summary>
    public int ClamdPort { get; set; } = 3310;
}

/// <summary>The evidence ledger (section <c>Hub:Evidence</c>).</summary>
public sealed class EvidenceOptions
{
    /// <summary>
    /// How often every chain head that moved is time-stamped (RFC 3161), in addition to the anchors requested after a
    /// dispatch. Whole minutes dividing an hour, or whole hours dividing a day (it becomes a cron schedule). Default 1 hour.
    /// </summary>
    public TimeSpan AnchorInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The cron expression of <see cref="AnchorInterval"/>, or null when it cannot be one.</summary>
    internal string? AnchorCron() => IntervalCron.Of(AnchorInterval);
}

/// <summary>Validation circuits (section <c>Hub:Validation</c>).</summary>
public sealed class ValidationOptions
{
    /// <summary>
    /// How often step reminders are looked for and notices without a job re-enqueued. Same form as
    /// <see cref="EvidenceOptions.AnchorInterval"/> (it becomes a cron schedule). Default 1 minute.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Delays between attempts of a notice whose notifier failed; the number of entries + 1 is the number of attempts.</summary>
    public List<TimeSpan> NoticeRetryDelays { get; set; } = [];

    /// <summary>How long one attempt holds its notice; must exceed the longest post to Teams or an email server.</summary>
    public TimeSpan NoticeLease { get; set; } = TimeSpan.FromMinutes(5);

    internal IReadOnlyList<TimeSpan> EffectiveNoticeRetryDelays => NoticeRetryDelays.Count > 0
        ? NoticeRetryDelays
        : [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(4)];
}

/// <summary>Turns an interval into a cron schedule for Hangfire's recurring jobs.</summary>
internal static class IntervalCron
{
    /// <summary>Whole minutes dividing an hour, or whole hours dividing a day; null otherwise.</summary>
    public static string? Of(TimeSpan interval)
    {
        if (interval.Ticks % TimeSpan.TicksPerMinute != 0 || interval <= TimeSpan.Zero || interval > TimeSpan.FromDays(1))
        {
            return null;
        }
        var minutes = (int)interval.TotalMinutes;
        return minutes switch
        {
            1 => "* * * * *",
            < 60 when 60 % minutes == 0 => $"*/{minutes} * * * *",
            60 => "0 * * * *",
            1440 => "0 0 * * *",
            _ when minutes % 60 == 0 && 24 % (minutes / 60) == 0 => $"0 */{minutes / 60} * * *",
            _ => null,
        };
    }
}

/// <summary>Rejects settings the hub cannot run with, naming the configuration path and the bad value.</summary>
public sealed class HubOptionsValidator : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Form = "use whole minutes dividing an hour (00:05:00, 00:15:00…) or whole hours dividing a day (01:00:00, 06:00:00, 1.00:00:00).";
        if (options.Evidence.AnchorCron() is null)
        {
            return ValidateOptionsResult.Fail($"Hub:Evidence:AnchorInterval is {options.Evidence.AnchorInterval}: {Form}");
        }
        if (IntervalCron.Of(options.Validation.SweepInterval) is null)
        {
            return ValidateOptionsResult.Fail($"Hub:Validation:SweepInterval is {options.Validation.SweepInterval}: {Form}");
        }
        if (options.Validation.NoticeRetryDelays.Any(d => d < TimeSpan.Zero))
        {
            return ValidateOptionsResult.Fail("Hub:Validation:NoticeRetryDelays: a delay cannot be negative.");
        }
        return ValidateOptionsResult.Success;
    }
}
