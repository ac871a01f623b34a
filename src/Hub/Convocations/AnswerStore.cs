using System.Data.Common;
using Dapper;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;

namespace IntegrationHub.Convocations;

/// <summary>What became of an answer written with <see cref="AnswerStore.InsertAsync"/>.</summary>
public enum AnswerWrite
{
    Recorded,

    /// <summary>Another member's proxy to the same holder was registered first (CGCT L2121-20); nothing was written.</summary>
    HolderAlreadyHoldsProxy,

    /// <summary>The same member answered at the same instant through another request; nothing was written.</summary>
    ChangedConcurrently,
}

public sealed class AnswerStore(HubDatabase database, EvidenceLedger ledger)
{
    private const string Columns =
        "id AS Id, authority_id AS AuthorityId, session_id AS SessionId, convocation_id AS ConvocationId, member_id AS MemberId, attendance AS Attendance, proxy_holder_member_id AS ProxyHolderMemberId, illness_certified AS IllnessCertified, source AS Source, recorded_at AS RecordedAt";

    /// <summary>
    /// Records the answer and, in the same transaction, the proxy it gives (or revokes): the database then refuses a
    /// second proxy to the same holder for the session (CGCT L2121-20), however close together two requests arrive.
    /// </summary>
    public async Task<AnswerWrite> InsertAsync(Answer answer, CancellationToken cancellationToken)
    {
        try
        {
            await database.InTransactionAsync(async (connection, transaction) =>
            {
                await connection.ExecuteAsync(
                    """
                    INSERT INTO answers (id, authority_id, session_id, convocation_id, member_id, attendance, proxy_holder_member_id, illness_certified, source, recorded_at)
                    VALUES (@Id, @AuthorityId, @SessionId, @ConvocationId, @MemberId, @Attendance, @ProxyHolderMemberId, @IllnessCertified, @Source, @RecordedAt)
                    """,
                    answer, transaction);
                // Any new answer revokes the proxy the member gave before (« Le pouvoir est toujours révocable »).
                await connection.ExecuteAsync(
                    "DELETE FROM held_proxies WHERE session_id = @SessionId AND principal_member_id = @MemberId", answer, transaction);
                if (answer.Attendance == Attendance.Proxy)
                {
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO held_proxies (session_id, holder_member_id, principal_member_id, answer_id, authority_id)
                        VALUES (@SessionId, @ProxyHolderMemberId, @MemberId, @Id, @AuthorityId)
                        """,
                        answer, transaction);
                }
                // Presence and proxies are evidence too (LEGAL.md §8 point 5): who answered what, when, through which channel.
                await ledger.AppendAsync(connection, transaction, answer.AuthorityId,
                    answer.Attendance == Attendance.Proxy ? LedgerEntryTypes.ProxyRecorded : LedgerEntryTypes.AnswerRecorded,
                    new LedgerSubject(answer.SessionId, answer.ConvocationId, MemberId: answer.MemberId),
                    new { answerId = answer.Id, answer.Attendance, answer.ProxyHolderMemberId, answer.IllnessCertified, answer.Source, answer.RecordedAt },
                    answer.RecordedAt);
            }, cancellationToken);
            return AnswerWrite.Recorded;
        }
        catch (DbException ex) when (HubDatabase.IsUniqueViolation(ex))
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            var principals = await connection.QueryAsync<Guid>(
                "SELECT principal_member_id FROM held_proxies WHERE session_id = @SessionId AND holder_member_id = @ProxyHolderMemberId", answer);
            return principals.Any(p => p != answer.MemberId) ? AnswerWrite.HolderAlreadyHoldsProxy : AnswerWrite.ChangedConcurrently;
        }
    }

    /// <summary>The current answers of the session and the proxies registered as held.</summary>
    public async Task<SessionAnswers> ForSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var all = await connection.QueryAsync<Answer>(
            $"SELECT {Columns} FROM answers WHERE session_id = @sessionId ORDER BY recorded_at, id", new { sessionId });
        var current = new Dictionary<Guid, Answer>();
        foreach (var answer in all)
        {
            current[answer.MemberId] = answer;
        }
        var held = await connection.QueryAsync<Guid>("SELECT answer_id FROM held_proxies WHERE session_id = @sessionId", new { sessionId });
        return new SessionAnswers(current, held.ToHashSet());
    }

    public async Task<IReadOnlyList<Answer>> HistoryAsync(Guid convocationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Answer>(
            $"SELECT {Columns} FROM answers WHERE convocation_id = @convocationId ORDER BY recorded_at, id", new { convocationId });
        return rows.AsList();
    }

    /// <summary>
    /// For each earlier sent session of the assembly, most recent first, whether the member was represented by a proxy
    /// (their current answer there). Used to count consecutive proxies (CGCT L2121-20: three sessions at most).
    /// </summary>
    public async Task<IReadOnlyList<bool>> PrecedingProxyHistoryAsync(Guid assemblyId, Guid memberId, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var sessions = (await connection.QueryAsync<Guid>(
            "SELECT id FROM sessions WHERE assembly_id = @assemblyId AND starts_at < @before AND status = 'sent' ORDER BY starts_at DESC",
            new { assemblyId, before })).AsList();
        var answers = (await connection.QueryAsync<Answer>(
            $"SELECT {Columns} FROM answers WHERE member_id = @memberId ORDER BY recorded_at, id", new { memberId })).AsList();
        var latest = new Dictionary<Guid, Answer>();
        foreach (var answer in answers)
        {
            latest[answer.SessionId] = answer;
        }
        return sessions.Select(id => latest.TryGetValue(id, out var a) && a.Attendance == Attendance.Proxy).ToList();
    }
}
