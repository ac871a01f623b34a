using System.Data.Common;
using Dapper;
using IntegrationHub.Dispatch;
using IntegrationHub.Persistence;

namespace IntegrationHub.Convocations;

public sealed class Convocation
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid SessionId { get; set; }
    public Guid MemberId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A row of the secretariat's view: a member's convocation, its deliveries and current answer.</summary>
public sealed class ConvocationOverviewRow
{
    public Guid ConvocationId { get; set; }
    public Guid MemberId { get; set; }
    public string FirstName { get; set; } = "";
    public string LastName { get; set; } = "";
}

public sealed class ConvocationStore(HubDatabase database)
{
    public async Task<Convocation?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Convocation>(
            "SELECT id AS Id, authority_id AS AuthorityId, session_id AS SessionId, member_id AS MemberId, created_at AS CreatedAt FROM convocations WHERE id = @id",
            new { id });
    }

    public async Task<IReadOnlyList<Convocation>> ForSessionAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await ForSessionAsync(connection, null, sessionId);
    }

    public static async Task<IReadOnlyList<Convocation>> ForSessionAsync(DbConnection connection, DbTransaction? transaction, Guid sessionId)
    {
        var rows = await connection.QueryAsync<Convocation>(
            "SELECT id AS Id, authority_id AS AuthorityId, session_id AS SessionId, member_id AS MemberId, created_at AS CreatedAt FROM convocations WHERE session_id = @sessionId",
            new { sessionId }, transaction);
        return rows.AsList();
    }

    public static Task InsertAsync(DbConnection connection, DbTransaction transaction, Convocation convocation) =>
        connection.ExecuteAsync(
            "INSERT INTO convocations (id, authority_id, session_id, member_id, created_at) VALUES (@Id, @AuthorityId, @SessionId, @MemberId, @CreatedAt)",
            convocation, transaction);

    public async Task<IReadOnlyList<ConvocationOverviewRow>> OverviewAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ConvocationOverviewRow>(
            """
            SELECT c.id AS ConvocationId, c.member_id AS MemberId, m.first_name AS FirstName, m.last_name AS LastName
            FROM convocations c JOIN members m ON m.id = c.member_id
            WHERE c.session_id = @sessionId ORDER BY m.last_name, m.first_name
            """,
            new { sessionId });
        return rows.AsList();
    }

    public async Task<IReadOnlyList<Delivery>> DeliveriesAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Delivery>(
            $"SELECT {DeliveryStore.Columns} FROM deliveries WHERE session_id = @sessionId ORDER BY created_at", new { sessionId });
        return rows.AsList();
    }
}
