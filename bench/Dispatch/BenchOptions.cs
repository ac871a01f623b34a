using System.Globalization;

namespace IntegrationHub.Bench.Dispatch;

/// <summary>Command-line options: <c>--authorities 200 --members 30 --storage sqlite|postgresql --smtp inprocess|aiosmtpd --workers 4 --hub-only --no-calendar --warmup-authorities 30</c>.</summary>
internal sealed record BenchOptions(int Authorities, int Members, string Storage, string Smtp, int Workers, bool HubOnly, int SetupParallelism, TimeSpan Timeout, bool KeepHubData = false, bool Calendar = true, string? PerfRecord = null, bool PerfSystemWide = false, IReadOnlyList<string>? HubEnvironment = null, int WarmupAuthorities = 0)
{
    public const string Usage =
        "dotnet run -c Release --project bench/Dispatch -- [--authorities 200] [--members 30] [--storage sqlite|postgresql] " +
        "[--smtp inprocess|aiosmtpd] [--workers N (default min(2×CPU, 20), the hub's default)] [--hub-only] [--no-calendar (no Microsoft 365 connector)] [--keep-hub-data (its log, database)] [--timeout-minutes 30] " +
        "[--perf-record FILE (perf record of the hub during the dispatch, JIT frames named)] [--perf-system-wide (the same for the whole machine)] " +
        "[--hub-env NAME=VALUE (an environment variable for the hub process, repeatable, e.g. DOTNET_ReadyToRun=0)] " +
        "[--warmup-authorities N (default 0: N more authorities dispatched to the end through the same hub first; the figures are of the dispatch after)]";

    public int Messages => Authorities * Members;

    /// <summary>Deliveries per member: email and SMS, and the calendar (one event per session, a delivery per attendee).</summary>
    public int Channels => Calendar ? 3 : 2;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(200, 30, "sqlite", "inprocess", Math.Min(Environment.ProcessorCount * 2, 20), false, 8, TimeSpan.FromMinutes(30));
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int NextInt() => int.Parse(Next(), NumberStyles.None, CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--authorities" => options with { Authorities = NextInt() },
                "--members" => options with { Members = NextInt() },
                "--storage" => options with { Storage = Next() },
                "--smtp" => options with { Smtp = Next() },
                "--workers" => options with { Workers = NextInt() },
                "--hub-only" => options with { HubOnly = true },
                "--keep-hub-data" => options with { KeepHubData = true },
                "--no-calendar" => options with { Calendar = false },
                "--perf-record" => options with { PerfRecord = Path.GetFullPath(Next()) },
                "--perf-system-wide" => options with { PerfSystemWide = true },
                "--hub-env" => options with { HubEnvironment = [.. options.HubEnvironment ?? [], Next()] },
                "--warmup-authorities" => options with { WarmupAuthorities = NextInt() },
                "--setup-parallelism" => options with { SetupParallelism = NextInt() },
                "--timeout-minutes" => options with { Timeout = TimeSpan.FromMinutes(NextInt()) },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
        }

        if (options.Storage is not ("sqlite" or "postgresql"))
        {
            throw new ArgumentException($"--storage must be sqlite or postgresql.\n{Usage}");
        }

        if (options.Smtp is not ("inprocess" or "aiosmtpd"))
        {
            throw new ArgumentException($"--smtp must be inprocess or aiosmtpd.\n{Usage}");
        }

        if (options.Authorities < 1 || options.Members < 1 || options.Workers < 1 || options.SetupParallelism < 1)
        {
            throw new ArgumentException($"Sizes must be positive.\n{Usage}");
        }

        if (options.HubEnvironment?.Any(e => e.IndexOf('=', StringComparison.Ordinal) < 1) == true)
        {
            throw new ArgumentException($"--hub-env takes NAME=VALUE.\n{Usage}");
        }

        if (options.PerfSystemWide && options.PerfRecord is null)
        {
            throw new ArgumentException($"--perf-system-wide needs --perf-record FILE.\n{Usage}");
        }

        return options;
    }
}
