using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Convocations;

public sealed class AnswerStore(HubDatabase database)
{
    private const string Columns =
        "id AS Id, authority_id AS AuthorityId, session_id AS SessionId, convocation_id AS ConvocationId, member_id AS MemberId, attendance AS Attendance, proxy_holder_member_id AS ProxyHolderMemberId, illness_certified AS IllnessCertified, source AS Source, recorded_at AS RecordedAt";

    public async Task InsertAsync(Answer answer, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO answers (id, authority_id, session_id, convocation_id, member_id, attendance, proxy_holder_member_id, illness_certified, source, recorded_at)
            VALUES (@Id, @AuthorityId, @SessionId, @ConvocationId, @MemberId, @Attendance, @ProxyHolderMemberId, @IllnessCertified, @Source, @RecordedAt)
            """,
            answer);
    }

    /// <summary>The current answer of each convened member of the session (latest wins; ids are time-ordered v7 GUIDs).</summary>
    public async Task<IReadOnlyDictionary<Guid, Answer>> CurrentForSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var all = await connection.QueryAsync<Answer>(
            $"SELECT {Columns} FROM answers WHERE session_id = @sessionId ORDER BY recorded_at, id", new { sessionId });
        var current = new Dictionary<Guid, Answer>();
        foreach (var answer in all)
        {
            current[answer.MemberId] = answer;
        }
        return current;
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
