using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Evidence.Ledger;

/// <summary>
/// The tamper-evident evidence ledger: one SHA-256 hash chain per authority, append-only down to the database
/// (triggers reject UPDATE and DELETE). Callers append inside their own transaction, so a fact and its entry
/// commit together or not at all.
/// </summary>
public sealed class EvidenceLedger(HubDatabase database)
{
    /// <summary>How <c>data</c> objects are serialised before canonicalisation: camelCase members and enums.</summary>
    public static readonly JsonSerializerOptions DataSerializerOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private const string EntryColumns =
        """
        authority_id AS AuthorityId, seq AS Seq, recorded_at AS At, type AS Type, session_id AS SessionId,
        convocation_id AS ConvocationId, delivery_id AS DeliveryId, member_id AS MemberId, document_id AS DocumentId,
        body AS Body, prev_hash AS PrevHash, hash AS Hash
        """;

    private const string InsertEntry =
        """
        INSERT INTO ledger_entries (authority_id, seq, recorded_at, type, session_id, convocation_id, delivery_id, member_id, document_id, body, prev_hash, hash)
        VALUES (@authorityId, @seq, @recordedAt, @type, @SessionId, @ConvocationId, @DeliveryId, @MemberId, @DocumentId, @body, @prev, @hash)
        """;

    private const string UpdateHeadHash = "UPDATE ledger_heads SET hash = @hash WHERE authority_id = @authorityId AND seq = @seq";

    private const string InsertEntryAndHeadHash = InsertEntry + ";\n" + UpdateHeadHash;

    private const string AnchorColumns =
        """
        authority_id AS AuthorityId, seq AS Seq, head_hash AS HeadHash, token AS Token, tsa_name AS TsaName, qualified AS Qualified,
        generated_at AS GeneratedAt, recorded_at AS RecordedAt
        """;

    /// <summary>
    /// Appends one entry to <paramref name="authorityId"/>'s chain within the caller's transaction. The head row is
    /// advanced first, so concurrent appenders of one authority (in this process or another node) wait on that row
    /// lock until the first commits or rolls back; the chain stays gap-free and the entry disappears with a rollback.
    /// </summary>
    /// <param name="connection">The caller's open connection.</param>
    /// <param name="transaction">The caller's transaction; the entry commits with it.</param>
    /// <param name="authorityId">The chain.</param>
    /// <param name="type">One of <see cref="LedgerEntryTypes"/>.</param>
    /// <param name="subject">The identifiers the entry is about.</param>
    /// <param name="data">Any object System.Text.Json serialises to a JSON object (camelCase members); null gives <c>{}</c>.</param>
    /// <param name="at">The instant of the fact; recorded in UTC, truncated to the millisecond.</param>
    public async Task<LedgerEntry> AppendAsync(
        DbConnection connection, DbTransaction transaction, Guid authorityId, string type, LedgerSubject subject, object data, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(subject);
        // Serialised before any database work: a data object that cannot be canonicalised fails without locking.
        var canonicalData = data is null
            ? "{}"u8.ToArray()
            : LedgerLine.CanonicalData(JsonSerializer.SerializeToElement(data, data.GetType(), DataSerializerOptions));

        var head = await AdvanceHeadAsync(connection, transaction, authorityId);
        var seq = head.Seq;
        var recordedAt = LedgerLine.Truncate(at);
        var body = LedgerLine.ComposeBody(seq, recordedAt, type, authorityId, subject, canonicalData, head.Hash);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        var bodyText = Encoding.UTF8.GetString(body);

        var entry = new
        {
            authorityId, seq, recordedAt, type, subject.SessionId, subject.ConvocationId, subject.DeliveryId, subject.MemberId,
            subject.DocumentId, body = bodyText, prev = head.Hash, hash,
        };
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            // Two commands on SQLite, each with its own parameters: in one command of two statements, Microsoft.Data.Sqlite
            // looks every parameter up in every statement, four failed native look-ups for each of the nine the UPDATE
            // does not use. Elsewhere one command is one round trip.
            await connection.ExecuteAsync(InsertEntry, entry, transaction);
            await connection.ExecuteAsync(UpdateHeadHash, new { hash, authorityId, seq }, transaction);
        }
        else
        {
            await connection.ExecuteAsync(InsertEntryAndHeadHash, entry, transaction);
        }
        return new LedgerEntry(authorityId, seq, recordedAt, type, subject, bodyText, head.Hash, hash);
    }

    /// <summary>
    /// Increments the head's seq and returns the new seq with the previous hash. The UPDATE takes the row lock that
    /// serialises appenders; a missing head (first entry of the authority) is created, racing creators resolved by
    /// the primary key, then the UPDATE is repeated.
    /// </summary>
    private async Task<(long Seq, string Hash)> AdvanceHeadAsync(DbConnection connection, DbTransaction transaction, Guid authorityId)
    {
        var advance = database.Provider == DatabaseProvider.SqlServer
            ? "UPDATE ledger_heads SET seq = seq + 1 OUTPUT inserted.seq AS Seq, deleted.hash AS Hash WHERE authority_id = @authorityId"
            : "UPDATE ledger_heads SET seq = seq + 1 WHERE authority_id = @authorityId RETURNING seq AS Seq, hash AS Hash";
        var head = await connection.QuerySingleOrDefaultAsync<HeadRow>(advance, new { authorityId }, transaction);
        if (head is null)
        {
            var create = database.Provider == DatabaseProvider.SqlServer
                ? """
                  INSERT INTO ledger_heads (authority_id, seq, hash)
                  SELECT @authorityId, 0, @genesis WHERE NOT EXISTS (SELECT 1 FROM ledger_heads WITH (UPDLOCK, HOLDLOCK) WHERE authority_id = @authorityId)
                  """
                : "INSERT INTO ledger_heads (authority_id, seq, hash) VALUES (@authorityId, 0, @genesis) ON CONFLICT (authority_id) DO NOTHING";
            await connection.ExecuteAsync(create, new { authorityId, genesis = LedgerLine.GenesisHash }, transaction);
            head = await connection.QuerySingleAsync<HeadRow>(advance, new { authorityId }, transaction);
        }
        return (head.Seq, head.Hash.Trim());
    }

    /// <summary>The entries whose subject is <paramref name="sessionId"/>, in chain order.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> GetSessionEntriesAsync(Guid sessionId, CancellationToken cancellationToken) =>
        (await QueryAsync<EntryRow>(
            $"SELECT {EntryColumns} FROM ledger_entries WHERE session_id = @sessionId ORDER BY authority_id, seq",
            new { sessionId }, cancellationToken)).Select(r => r.ToEntry()).ToList();

    /// <summary>The entries <paramref name="fromSeq"/>..<paramref name="toSeq"/> (inclusive) of a chain, in order.</summary>
    public async Task<IReadOnlyList<LedgerEntry>> GetRangeAsync(Guid authorityId, long fromSeq, long toSeq, CancellationToken cancellationToken) =>
        (await QueryAsync<EntryRow>(
            $"SELECT {EntryColumns} FROM ledger_entries WHERE authority_id = @authorityId AND seq >= @fromSeq AND seq <= @toSeq ORDER BY seq",
            new { authorityId, fromSeq, toSeq }, cancellationToken)).Select(r => r.ToEntry()).ToList();

    /// <summary>The last entry of a chain (committed); seq 0 and the genesis hash when the chain is empty.</summary>
    public async Task<LedgerHead> GetHeadAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        var head = (await QueryAsync<HeadRow>(
            "SELECT seq AS Seq, hash AS Hash FROM ledger_heads WHERE authority_id = @authorityId", new { authorityId }, cancellationToken)).SingleOrDefault();
        return head is null ? new LedgerHead(authorityId, 0, LedgerLine.GenesisHash) : new LedgerHead(authorityId, head.Seq, head.Hash.Trim());
    }

    /// <summary>The time-stamp tokens over a chain's heads, oldest first.</summary>
    public async Task<IReadOnlyList<LedgerAnchor>> GetAnchorsAsync(Guid authorityId, CancellationToken cancellationToken) =>
        (await QueryAsync<AnchorRow>(
            $"SELECT {AnchorColumns} FROM ledger_anchors WHERE authority_id = @authorityId ORDER BY seq",
            new { authorityId }, cancellationToken)).Select(r => r.ToAnchor()).ToList();

    /// <summary>
    /// Verifies an authority's whole chain as stored, streamed in seq order (bounded memory): every hash, link and
    /// seq, and that the chain reaches its head and every anchor with their hashes.
    /// </summary>
    public async Task<LedgerVerification> VerifyChainAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        var head = await GetHeadAsync(authorityId, cancellationToken);
        var checkpoints = (await GetAnchorsAsync(authorityId, cancellationToken)).Select(a => new LedgerCheckpoint(a.Seq, a.HeadHash))
            .Append(new LedgerCheckpoint(head.Seq, head.Hash)).Where(c => c.Seq > 0);
        using var verifier = new LedgerChainVerifier(checkpoints: checkpoints);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = connection.QueryUnbufferedAsync<BodyRow>(
            "SELECT body AS Body, hash AS Hash FROM ledger_entries WHERE authority_id = @authorityId ORDER BY seq", new { authorityId });
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            verifier.Add(Encoding.UTF8.GetBytes(LedgerLine.InsertHash(row.Body, row.Hash.Trim())));
        }
        return verifier.Complete();
    }

    private async Task<IEnumerable<TRow>> QueryAsync<TRow>(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryAsync<TRow>(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
    }

    private sealed class HeadRow
    {
        public long Seq { get; set; }
        public string Hash { get; set; } = "";
    }

    private sealed class BodyRow
    {
        public string Body { get; set; } = "";
        public string Hash { get; set; } = "";
    }

    private sealed class EntryRow
    {
        public Guid AuthorityId { get; set; }
        public long Seq { get; set; }
        public DateTimeOffset At { get; set; }
        public string Type { get; set; } = "";
        public Guid? SessionId { get; set; }
        public Guid? ConvocationId { get; set; }
        public Guid? DeliveryId { get; set; }
        public Guid? MemberId { get; set; }
        public Guid? DocumentId { get; set; }
        public string Body { get; set; } = "";
        public string PrevHash { get; set; } = "";
        public string Hash { get; set; } = "";

        public LedgerEntry ToEntry() => new(
            AuthorityId, Seq, At, Type, new LedgerSubject(SessionId, ConvocationId, DeliveryId, MemberId, DocumentId), Body, PrevHash.Trim(), Hash.Trim());
    }

    private sealed class AnchorRow
    {
        public Guid AuthorityId { get; set; }
        public long Seq { get; set; }
        public string HeadHash { get; set; } = "";
        public byte[] Token { get; set; } = [];
        public string TsaName { get; set; } = "";
        public bool Qualified { get; set; }
        public DateTimeOffset GeneratedAt { get; set; }
        public DateTimeOffset RecordedAt { get; set; }

        public LedgerAnchor ToAnchor() => new(AuthorityId, Seq, HeadHash.Trim(), Token, TsaName, Qualified, GeneratedAt, RecordedAt);
    }
}
