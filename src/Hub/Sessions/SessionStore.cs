using System.Data.Common;
using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Sessions;

public sealed class SessionStore(HubDatabase database)
{
    private const string Columns =
        """
        id AS Id, authority_id AS AuthorityId, assembly_id AS AssemblyId, starts_at_local AS StartsAtLocal, starts_at AS StartsAt,
        duration_minutes AS DurationMinutes, place AS Place, urgent AS Urgent, urgency_reason AS UrgencyReason, hybrid AS Hybrid, status AS Status,
        version AS Version, sent_at AS SentAt, cancelled_at AS CancelledAt, cancellation_reason AS CancellationReason,
        rule_notice_days AS RuleNoticeDays, rule_urgent_notice_days AS RuleUrgentNoticeDays, rule_clear_days AS RuleClearDays,
        rule_synthesis_note_required AS RuleSynthesisNoteRequired, rule_source AS RuleSource, rule_version AS RuleVersion,
        rule_effective_from AS RuleEffectiveFrom, latest_send_date AS LatestSendDate, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public async Task InsertAsync(Session session, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO sessions (id, authority_id, assembly_id, starts_at_local, starts_at, duration_minutes, place, urgent, urgency_reason, hybrid,
                    status, version, rule_notice_days, rule_urgent_notice_days, rule_clear_days, rule_synthesis_note_required, rule_source,
                    rule_version, rule_effective_from, latest_send_date, created_at, updated_at)
                VALUES (@Id, @AuthorityId, @AssemblyId, @StartsAtLocal, @StartsAt, @DurationMinutes, @Place, @Urgent, @UrgencyReason, @Hybrid,
                    @Status, @Version, @RuleNoticeDays, @RuleUrgentNoticeDays, @RuleClearDays, @RuleSynthesisNoteRequired, @RuleSource,
                    @RuleVersion, @RuleEffectiveFrom, @LatestSendDate, @CreatedAt, @UpdatedAt)
                """,
                session, transaction);
            await InsertItemsAsync(connection, transaction, session);
        }, cancellationToken);
    }

    public async Task<Session?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetAsync(connection, null, id);
    }

    public static async Task<Session?> GetAsync(DbConnection connection, DbTransaction? transaction, Guid id)
    {
        var session = await connection.QuerySingleOrDefaultAsync<Session>($"SELECT {Columns} FROM sessions WHERE id = @id", new { id }, transaction);
        if (session is not null)
        {
            var items = await connection.QueryAsync<AgendaItem>(
                """
                SELECT id AS Id, authority_id AS AuthorityId, session_id AS SessionId, position AS Position, title AS Title,
                       rapporteur AS Rapporteur, actes_nature AS ActesNature, actes_matiere AS ActesMatiere
                FROM agenda_items WHERE session_id = @id ORDER BY position
                """,
                new { id }, transaction);
            session.Items = items.AsList();
        }
        return session;
    }

    public async Task<IReadOnlyList<Session>> ListAsync(Guid assemblyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Session>(
            $"SELECT {Columns} FROM sessions WHERE assembly_id = @assemblyId ORDER BY starts_at DESC", new { assemblyId });
        return rows.AsList();
    }

    /// <summary>
    /// Writes the session's fields and its agenda; the caller owns the transaction. The write applies only if the row is
    /// still in the status and version the caller read (a concurrent send, change or cancellation wins otherwise).
    /// </summary>
    /// <exception cref="SessionChangedException">Someone else changed the session meanwhile.</exception>
    public static async Task UpdateAsync(DbConnection connection, DbTransaction transaction, Session session, string expectedStatus, int expectedVersion)
    {
        var updated = await connection.ExecuteAsync(
            """
            UPDATE sessions SET starts_at_local = @StartsAtLocal, starts_at = @StartsAt, duration_minutes = @DurationMinutes, place = @Place,
                urgent = @Urgent, urgency_reason = @UrgencyReason, hybrid = @Hybrid, status = @Status, version = @Version, sent_at = @SentAt,
                cancelled_at = @CancelledAt, cancellation_reason = @CancellationReason, rule_notice_days = @RuleNoticeDays,
                rule_urgent_notice_days = @RuleUrgentNoticeDays, rule_clear_days = @RuleClearDays,
                rule_synthesis_note_required = @RuleSynthesisNoteRequired, rule_source = @RuleSource, rule_version = @RuleVersion,
                rule_effective_from = @RuleEffectiveFrom, latest_send_date = @LatestSendDate, updated_at = @UpdatedAt
            WHERE id = @Id AND authority_id = @AuthorityId AND status = @expectedStatus AND version = @expectedVersion
            """,
            new
            {
                session.StartsAtLocal, session.StartsAt, session.DurationMinutes, session.Place, session.Urgent, session.UrgencyReason, session.Hybrid, session.Status,
                session.Version, session.SentAt, session.CancelledAt, session.CancellationReason, session.RuleNoticeDays, session.RuleUrgentNoticeDays,
                session.RuleClearDays, session.RuleSynthesisNoteRequired, session.RuleSource, session.RuleVersion, session.RuleEffectiveFrom,
                session.LatestSendDate, session.UpdatedAt, session.Id, session.AuthorityId, expectedStatus, expectedVersion,
            },
            transaction);
        if (updated != 1)
        {
            throw new SessionChangedException(session.Id);
        }
        await connection.ExecuteAsync("DELETE FROM agenda_items WHERE session_id = @Id", new { session.Id }, transaction);
        await InsertItemsAsync(connection, transaction, session);
    }

    /// <summary>Keeps what the members were told at the session's current version, as it was (CGCT L2121-10: the convocation is evidence).</summary>
    public static Task InsertVersionAsync(DbConnection connection, DbTransaction transaction, Session session, string summary, DateTimeOffset at) =>
        connection.ExecuteAsync(
            """
            INSERT INTO session_versions (id, authority_id, session_id, version, recorded_at, summary, snapshot)
            VALUES (@versionId, @AuthorityId, @Id, @Version, @at, @summary, @snapshot)
            """,
            new
            {
                versionId = Guid.CreateVersion7(),
                session.AuthorityId,
                session.Id,
                session.Version,
                at,
                summary,
                snapshot = System.Text.Json.JsonSerializer.Serialize(SessionSnapshot.Of(session)),
            },
            transaction);

    public async Task<string?> VersionSummaryAsync(Guid sessionId, int version, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string?>(
            "SELECT summary FROM session_versions WHERE session_id = @sessionId AND version = @version", new { sessionId, version });
    }

    public async Task<IReadOnlyList<SessionVersionRecord>> VersionsAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SessionVersionRecord>(
            "SELECT version AS Version, recorded_at AS RecordedAt, summary AS Summary FROM session_versions WHERE session_id = @sessionId ORDER BY version",
            new { sessionId });
        return rows.AsList();
    }

    private static async Task InsertItemsAsync(DbConnection connection, DbTransaction transaction, Session session)
    {
        foreach (var item in session.Items)
        {
            item.SessionId = session.Id;
            item.AuthorityId = session.AuthorityId;
            await connection.ExecuteAsync(
                """
                INSERT INTO agenda_items (id, authority_id, session_id, position, title, rapporteur, actes_nature, actes_matiere)
                VALUES (@Id, @AuthorityId, @SessionId, @Position, @Title, @Rapporteur, @ActesNature, @ActesMatiere)
                """,
                item, transaction);
        }
    }
}

public sealed class SessionVersionRecord
{
    public int Version { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public string Summary { get; set; } = "";
}

/// <summary>The content of a session as sent, kept per version.</summary>
public sealed record SessionSnapshot(string StartsAt, int DurationMinutes, string Place, bool Urgent, string? UrgencyReason, string Status, IReadOnlyList<string> Items)
{
    public static SessionSnapshot Of(Session s) =>
        new(s.StartsAtLocal, s.DurationMinutes, s.Place, s.Urgent, s.UrgencyReason, s.Status, s.Items.Select(i => i.Title).ToList());
}

/// <summary>The session was changed (sent, modified, cancelled) by someone else between reading and writing it.</summary>
public sealed class SessionChangedException(Guid sessionId)
    : Exception($"Session {sessionId} was changed concurrently.")
{
    public Guid SessionId { get; } = sessionId;
}
