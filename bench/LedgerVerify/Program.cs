using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;
using IntegrationHub.TestSupport.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

// Verifying a 1,000,000-entry chain against raw SHA-256 over exactly the same bytes, in the same run; then appends per
// second on SQLite and PostgreSQL. Usage: dotnet run -c Release --project bench/LedgerVerify [-- entries rounds appends]
var entries = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var appends = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2_000;

var (jsonl, lines, head) = BuildChain(entries);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"chain: {entries:N0} entries, {jsonl.Length / 1e6:F1} MB, {(double)jsonl.Length / entries:F0} bytes per line on average"));

double RawSha256()
{
    Span<byte> digest = stackalloc byte[32];
    var watch = Stopwatch.StartNew();
    foreach (var line in lines)
    {
        SHA256.HashData(line.Span, digest);
    }
    return watch.Elapsed.TotalMilliseconds;
}

double Verify()
{
    var watch = Stopwatch.StartNew();
    using var verifier = new LedgerChainVerifier(checkpoints: [head]);
    foreach (var line in lines)
    {
        verifier.Add(line.Span);
    }
    var verdict = verifier.Complete();
    var elapsed = watch.Elapsed.TotalMilliseconds;
    if (!verdict.IsIntact || verdict.LastSeq != entries)
    {
        throw new InvalidOperationException($"The benchmark chain does not verify: {verdict.FirstBreak?.Reason}");
    }
    return elapsed;
}

RawSha256();
Verify();
var sha = new List<double>();
var verify = new List<double>();
for (var i = 0; i < rounds; i++)
{
    sha.Add(RawSha256());
    verify.Add(Verify());
}
var (shaMedian, verifyMedian) = (Median(sha), Median(verify));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"raw SHA-256 : median {shaMedian:F0} ms over {rounds} rounds ({jsonl.Length / 1e6 / (shaMedian / 1000):F0} MB/s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"verifier    : median {verifyMedian:F0} ms over {rounds} rounds ({entries / (verifyMedian / 1000):N0} entries/s)"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio verifier / raw SHA-256: {verifyMedian / shaMedian:F2}"));

if (appends > 0)
{
    var sqlite = $"Data Source={Path.Combine(Path.GetTempPath(), $"ledger-bench-{Guid.NewGuid():N}.db")};Default Timeout=30;Pooling=True";
    await MeasureAppendsAsync("SQLite", DatabaseProvider.Sqlite, sqlite, appends);
    await MeasureAppendsAsync("PostgreSQL", DatabaseProvider.PostgreSql, await PostgresServer.Instance.CreateDatabaseAsync("ledger_bench"), appends);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

// Lines shaped like delivery.sent entries: provider ids, SMTP reply, a document hash, ids of the subject.
static (byte[] Jsonl, List<ReadOnlyMemory<byte>> Lines, LedgerCheckpoint Head) BuildChain(int count)
{
    var authority = Guid.NewGuid();
    var session = Guid.NewGuid();
    var start = new DateTimeOffset(2026, 3, 10, 9, 0, 0, TimeSpan.Zero);
    var output = new MemoryStream();
    var ends = new List<int>(count);
    var prev = LedgerLine.GenesisHash;
    for (var seq = 1L; seq <= count; seq++)
    {
        var data = LedgerLine.CanonicalData(JsonSerializer.SerializeToElement(new
        {
            channel = "email",
            attempt = 1,
            recipient = $"elu{seq % 500:000}@saint-clair.example.org",
            providerMessageId = $"<{Guid.NewGuid():N}@hub.saint-clair.example.org>",
            smtpReply = "250 2.0.0 Ok: queued as 4Z3x9k1Qm2z",
            messageSha256 = Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(seq))),
            relay = "smtp.saint-clair.example.org",
        }, EvidenceLedger.DataSerializerOptions));
        var subject = new LedgerSubject(SessionId: session, ConvocationId: Guid.NewGuid(), DeliveryId: Guid.NewGuid(), MemberId: Guid.NewGuid());
        var body = LedgerLine.ComposeBody(seq, start.AddMilliseconds(seq * 37), LedgerEntryTypes.DeliverySent, authority, subject, data, prev);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        output.Write(Encoding.UTF8.GetBytes(LedgerLine.InsertHash(Encoding.UTF8.GetString(body), hash)));
        ends.Add((int)output.Length);
        output.WriteByte((byte)'\n');
        prev = hash;
    }
    var jsonl = output.ToArray();
    var lines = new List<ReadOnlyMemory<byte>>(count);
    var from = 0;
    foreach (var end in ends)
    {
        lines.Add(jsonl.AsMemory(from, end - from));
        from = end + 1;
    }
    return (jsonl, lines, new LedgerCheckpoint(count, prev));
}

static async Task MeasureAppendsAsync(string name, DatabaseProvider provider, string connectionString, int count)
{
    using var database = new HubDatabase(provider, connectionString);
    await new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
    var ledger = new EvidenceLedger(database);
    var data = new { channel = "email", providerMessageId = "<0123456789abcdef@hub.example.org>", smtpReply = "250 2.0.0 Ok: queued" };
    async Task AppendAsync(Guid authority) => await database.InTransactionAsync((c, t) => ledger.AppendAsync(
        c, t, authority, LedgerEntryTypes.DeliverySent, new LedgerSubject(DeliveryId: Guid.NewGuid()), data, TimeProvider.System.GetUtcNow()));

    await AppendAsync(Guid.NewGuid());
    var one = Guid.NewGuid();
    var watch = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        await AppendAsync(one);
    }
    var sequential = count / watch.Elapsed.TotalSeconds;

    // Eight concurrent appenders on one authority (one dispatch fanning out): they serialise on the head row.
    watch.Restart();
    var shared = Guid.NewGuid();
    await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
    {
        for (var i = 0; i < count / 8; i++)
        {
            await AppendAsync(shared);
        }
    })));
    var concurrent = count / 8 * 8 / watch.Elapsed.TotalSeconds;
    var verdict = await ledger.VerifyChainAsync(shared, CancellationToken.None);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"appends on {name}: {sequential:N0}/s one at a time (each its own transaction), {concurrent:N0}/s with 8 concurrent appenders on one authority (chain intact: {verdict.IsIntact})"));
}
