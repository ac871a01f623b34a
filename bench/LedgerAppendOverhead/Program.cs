using System.Diagnostics;
using System.Globalization;
using Dapper;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;
using IntegrationHub.TestSupport.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

// What the evidence ledger adds to a delivery transition (sending → sent), against the same transition without it,
// in the same run, on SQLite and PostgreSQL, with 1 and 8 workers. Usage:
// dotnet bench/LedgerAppendOverhead/bin/Release/net10.0/LedgerAppendOverhead.dll [transitions rounds]
var transitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5_000;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;

var results = new List<(string Database, string Case, double Baseline, double Evidence)>();
var sqlite = $"Data Source={Path.Combine(Path.GetTempPath(), $"append-bench-{Guid.NewGuid():N}.db")};Default Timeout=30;Pooling=True";
results.AddRange(await Bench.RunAsync("SQLite", DatabaseProvider.Sqlite, sqlite, transitions, rounds));
results.AddRange(await Bench.RunAsync(
    "PostgreSQL", DatabaseProvider.PostgreSql, await PostgresServer.Instance.CreateDatabaseAsync("append_bench"), transitions, rounds));

Console.WriteLine();
Console.WriteLine($"| Database | Workers | Baseline (transitions/s) | With evidence (transitions/s) | Ratio with evidence / baseline |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var (database, @case, baseline, evidence) in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {database} | {@case} | {baseline:N0} | {evidence:N0} | **{evidence / baseline:F2}** |"));
}

internal static class Bench
{
    private const int Authorities = 8;
    private const int MembersPerAuthority = 50;

    private static readonly (string Name, int Workers, bool Spread)[] Cases =
    [
        ("1 worker", 1, false),
        ("8 workers, 8 authorities", 8, true),
        ("8 workers, 1 authority", 8, false),
    ];

    public static async Task<List<(string, string, double, double)>> RunAsync(
        string name, DatabaseProvider provider, string connectionString, int transitions, int rounds)
    {
        using var database = new HubDatabase(provider, connectionString);
        await new SchemaMigrator(database, TimeProvider.System, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        var store = new DeliveryStore(database, new EvidenceLedger(database));
        var world = await World.CreateAsync(database);
        var results = new List<(string, string, double, double)>();
        foreach (var (caseName, workers, spread) in Cases)
        {
            var baseline = new List<double>();
            var evidence = new List<double>();
            // Round 0 is the warm-up (a tenth of the work), not counted.
            for (var round = 0; round <= rounds; round++)
            {
                var count = round == 0 ? Math.Max(transitions / 10, workers) : transitions;
                var forBaseline = await world.QueueAndClaimAsync(store, count, workers, spread);
                var forEvidence = await world.QueueAndClaimAsync(store, count, workers, spread);
                var b = await TimeAsync(forBaseline, d => BaselineMarkSentAsync(database, d));
                var e = await TimeAsync(forEvidence, d => store.MarkSentAsync(d, d.ClaimedAt!.Value, MessageId(d), SmtpReply, Evidence(d), d.ClaimedAt.Value));
                if (round > 0)
                {
                    baseline.Add(b);
                    evidence.Add(e);
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}, {caseName}, {(round == 0 ? "warm-up" : $"round {round}")}: baseline {b:N0}/s, with evidence {e:N0}/s, ratio {e / b:F2}"));
            }
            results.Add((name, caseName, Median(baseline), Median(evidence)));
        }
        foreach (var authority in world.AuthorityIds)
        {
            var verdict = await new EvidenceLedger(database).VerifyChainAsync(authority, CancellationToken.None);
            if (!verdict.IsIntact)
            {
                throw new InvalidOperationException($"Chain of {authority} broken: {verdict.FirstBreak?.Reason}");
            }
        }
        Console.WriteLine($"{name}: every chain verifies");
        return results;
    }

    private const string SmtpReply = "250 2.0.0 Ok: queued as 4Z3x9k1Qm2z";

    private static string MessageId(Delivery delivery) => $"<{delivery.Id:N}@hub.saint-clair.example.org>";

    private static SentMessageEvidence Evidence(Delivery delivery) =>
        new($"elu-{delivery.ConvocationId:N}@saint-clair.example.org", Convert.ToHexStringLower(delivery.Id.ToByteArray().Concat(new byte[16]).ToArray()));

    /// <summary>The transition as the hub made it before the ledger: the guarded UPDATE and the event row, one transaction.</summary>
    private static async Task<bool> BaselineMarkSentAsync(HubDatabase database, Delivery delivery)
    {
        var now = delivery.ClaimedAt!.Value;
        var providerMessageId = MessageId(delivery);
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var changed = await connection.ExecuteAsync(
                """
                UPDATE deliveries SET status = @status, sent_at = @sentAt, provider_message_id = @providerMessageId, provider_response = @providerResponse,
                    last_error = NULL, claimed_at = NULL, next_attempt_at = NULL, updated_at = @now
                WHERE id = @id AND status = @sending AND claimed_at = @claimedAt
                """,
                new
                {
                    status = DeliveryStatus.Sent, sentAt = now, providerMessageId, providerResponse = SmtpReply, now, id = delivery.Id,
                    sending = DeliveryStatus.Sending, claimedAt = delivery.ClaimedAt,
                },
                transaction) == 1;
            await connection.ExecuteAsync(
                "INSERT INTO delivery_events (id, authority_id, delivery_id, at, status, detail) VALUES (@id, @authorityId, @deliveryId, @at, @status, @detail)",
                new
                {
                    id = Guid.CreateVersion7(), authorityId = delivery.AuthorityId, deliveryId = delivery.Id, at = now,
                    status = changed ? DeliveryStatus.Sent : "stale:" + DeliveryStatus.Sent, detail = $"{providerMessageId} {SmtpReply}",
                },
                transaction);
            return changed;
        }, CancellationToken.None);
    }

    /// <summary>Runs every worker's list, one transition after the other per worker; returns transitions per second.</summary>
    private static async Task<double> TimeAsync(List<List<Delivery>> perWorker, Func<Delivery, Task<bool>> transition)
    {
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(perWorker.Select(list => Task.Run(async () =>
        {
            foreach (var delivery in list)
            {
                if (!await transition(delivery))
                {
                    throw new InvalidOperationException($"Delivery {delivery.Id} was not marked sent.");
                }
            }
        })));
        return perWorker.Sum(l => l.Count) / watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Eight authorities (communes of one syndicat), each with an assembly, a session and its members' convocations.</summary>
    private sealed class World(HubDatabase database, List<(Guid Authority, Guid Session, List<Guid> Convocations)> authorities)
    {
        private int _version;

        public IEnumerable<Guid> AuthorityIds => authorities.Select(a => a.Authority);

        public static async Task<World> CreateAsync(HubDatabase database)
        {
            var now = TruncatedNow();
            var list = new List<(Guid, Guid, List<Guid>)>();
            await database.InTransactionAsync(async (c, t) =>
            {
                for (var a = 0; a < Authorities; a++)
                {
                    var authority = Guid.NewGuid();
                    var assembly = Guid.NewGuid();
                    var session = Guid.NewGuid();
                    await c.ExecuteAsync(
                        """
                        INSERT INTO authorities (id, name, kind, population, siren, department_code, created_at)
                        VALUES (@authority, @name, 'commune', 1200, @siren, '35', @now);
                        INSERT INTO assemblies (id, authority_id, name, kind, created_at) VALUES (@assembly, @authority, 'Conseil municipal', 'council', @now);
                        INSERT INTO sessions (id, authority_id, assembly_id, starts_at_local, starts_at, duration_minutes, place, urgent, status, version,
                            rule_notice_days, rule_urgent_notice_days, rule_clear_days, rule_synthesis_note_required, rule_source, rule_version,
                            rule_effective_from, latest_send_date, created_at, updated_at)
                        VALUES (@session, @authority, @assembly, '2026-03-20T18:30', @now, 120, 'Salle du conseil', @no, 'sent', 1,
                            3, 1, @no, @no, 'CGCT L2121-11', '2026-01', @from, @latest, @now, @now);
                        """,
                        new
                        {
                            authority, name = $"Commune {a}", siren = (210000000 + a).ToString(CultureInfo.InvariantCulture), now, assembly, session,
                            no = false, from = new DateOnly(2026, 1, 1), latest = new DateOnly(2026, 3, 16),
                        },
                        t);
                    var convocations = new List<Guid>();
                    for (var m = 0; m < MembersPerAuthority; m++)
                    {
                        var member = Guid.NewGuid();
                        var convocation = Guid.NewGuid();
                        await c.ExecuteAsync(
                            """
                            INSERT INTO members (id, authority_id, first_name, last_name, email, delivery, created_at, updated_at)
                            VALUES (@member, @authority, 'Élu', @last, @email, 'email', @now, @now);
                            INSERT INTO convocations (id, authority_id, session_id, member_id, created_at) VALUES (@convocation, @authority, @session, @member, @now);
                            """,
                            new { member, authority, last = $"Numéro {m}", email = $"elu{m}@commune{a}.example.org", now, convocation, session },
                            t);
                        convocations.Add(convocation);
                    }
                    list.Add((authority, session, convocations));
                }
            });
            return new World(database, list);
        }

        /// <summary>
        /// Queues <paramref name="count"/> deliveries through <see cref="DeliveryStore.InsertAsync"/> (with their
        /// delivery.queued entries), claims them as a worker would (pending → sending), and splits them among workers.
        /// </summary>
        public async Task<List<List<Delivery>>> QueueAndClaimAsync(DeliveryStore store, int count, int workers, bool spread)
        {
            var version = Interlocked.Increment(ref _version) + 1;
            var now = TruncatedNow();
            var perWorker = Enumerable.Range(0, workers).Select(_ => new List<Delivery>()).ToList();
            for (var i = 0; i < count; i++)
            {
                var (authority, session, convocations) = authorities[spread ? i % workers : 0];
                perWorker[i % workers].Add(new Delivery
                {
                    Id = Guid.CreateVersion7(), AuthorityId = authority, SessionId = session,
                    // A convocation has one delivery per (channel, purpose, version): vary the version past the member count.
                    ConvocationId = convocations[i / (spread ? workers : 1) % convocations.Count], Channel = ChannelNames.Email, Purpose = "convocation",
                    SessionVersion = (version * 1000) + (i / ((spread ? workers : 1) * convocations.Count)),
                    Status = DeliveryStatus.Pending, CreatedAt = now, UpdatedAt = now,
                });
            }
            var all = perWorker.SelectMany(l => l).ToList();
            foreach (var batch in all.Chunk(500))
            {
                await database.InTransactionAsync(async (c, t) =>
                {
                    foreach (var delivery in batch)
                    {
                        await store.InsertAsync(c, t, delivery);
                    }
                });
            }
            // The claim of TryClaimAsync, set-based: preparing the rows is not what is measured.
            await using (var connection = await database.OpenAsync())
            {
                var claimed = await connection.ExecuteAsync(
                    """
                    UPDATE deliveries SET status = @sending, claimed_at = @now, attempts = attempts + 1, updated_at = @now
                    WHERE session_version >= @from AND session_version < @to AND status = @pending
                    """,
                    new { sending = DeliveryStatus.Sending, now, from = version * 1000, to = (version + 1) * 1000, pending = DeliveryStatus.Pending });
                if (claimed != count)
                {
                    throw new InvalidOperationException($"Claimed {claimed} of {count}.");
                }
            }
            foreach (var delivery in all)
            {
                delivery.Status = DeliveryStatus.Sending;
                delivery.ClaimedAt = now;
                delivery.Attempts = 1;
            }
            return perWorker;
        }

        private static DateTimeOffset TruncatedNow()
        {
            var now = TimeProvider.System.GetUtcNow();
            return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        }
    }
}
