using Dapper;
using IntegrationHub.Members;
using IntegrationHub.Persistence;

namespace IntegrationHub.Assemblies;

public sealed class Seat
{
    public Guid MemberId { get; set; }
    public DateOnly From { get; set; }
    public DateOnly? To { get; set; }
}

/// <summary>Mandates: who sits in an assembly, from when to when.</summary>
public sealed class SeatStore(HubDatabase database)
{
    public async Task ReplaceAsync(Guid authorityId, Guid assemblyId, IReadOnlyList<Seat> seats, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync("DELETE FROM seats WHERE assembly_id = @assemblyId AND authority_id = @authorityId", new { assemblyId, authorityId }, transaction);
            foreach (var seat in seats)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO seats (id, authority_id, assembly_id, member_id, from_date, to_date) VALUES (@id, @authorityId, @assemblyId, @MemberId, @From, @To)",
                    new { id = Guid.CreateVersion7(), authorityId, assemblyId, seat.MemberId, seat.From, seat.To }, transaction);
            }
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<Seat>> ListAsync(Guid assemblyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Seat>(
            "SELECT member_id AS MemberId, from_date AS \"From\", to_date AS \"To\" FROM seats WHERE assembly_id = @assemblyId ORDER BY from_date",
            new { assemblyId });
        return rows.AsList();
    }

    /// <summary>Members in office (membres en exercice) on <paramref name="date"/>: the base of convocations and quorum (CGCT L2121-17).</summary>
    public async Task<IReadOnlyList<Member>> MembersInOfficeAsync(Guid assemblyId, DateOnly date, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Member>(
            """
            SELECT DISTINCT m.id AS Id, m.authority_id AS AuthorityId, m.first_name AS FirstName, m.last_name AS LastName, m.email AS Email,
                   m.mobile AS Mobile, m.m365_upn AS M365Upn, m.delivery AS Delivery, m.paper_requested_on AS PaperRequestedOn,
                   m.person_key AS PersonKey, m.mobile_problem AS MobileProblem, m.created_at AS CreatedAt, m.updated_at AS UpdatedAt
            FROM seats s JOIN members m ON m.id = s.member_id
            WHERE s.assembly_id = @assemblyId AND s.from_date <= @date AND (s.to_date IS NULL OR s.to_date >= @date)
            ORDER BY m.last_name, m.first_name
            """,
            new { assemblyId, date });
        return rows.AsList();
    }
}
