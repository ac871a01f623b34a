using System.Data.Common;
using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Members;

public sealed class MemberStore(HubDatabase database)
{
    private const string Columns =
        "id AS Id, authority_id AS AuthorityId, first_name AS FirstName, last_name AS LastName, email AS Email, mobile AS Mobile, m365_upn AS M365Upn, delivery AS Delivery, paper_requested_on AS PaperRequestedOn, person_key AS PersonKey, mobile_problem AS MobileProblem, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public async Task<Member?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Member>($"SELECT {Columns} FROM members WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<Member>> ListAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Member>(
            $"SELECT {Columns} FROM members WHERE authority_id = @authorityId ORDER BY last_name, first_name", new { authorityId });
        return rows.AsList();
    }

    public static Task<Member?> FindByEmailAsync(DbConnection connection, DbTransaction? transaction, Guid authorityId, string email) =>
        connection.QuerySingleOrDefaultAsync<Member>(
            $"SELECT {Columns} FROM members WHERE authority_id = @authorityId AND email = @email", new { authorityId, email }, transaction);

    /// <summary>Members who receive paper may have no email: they are recognised by their name.</summary>
    public static Task<Member?> FindByNameWithoutEmailAsync(DbConnection connection, DbTransaction? transaction, Guid authorityId, string firstName, string lastName) =>
        connection.QueryFirstOrDefaultAsync<Member>(
            $"SELECT {Columns} FROM members WHERE authority_id = @authorityId AND email IS NULL AND first_name = @firstName AND last_name = @lastName",
            new { authorityId, firstName, lastName }, transaction);

    public static Task InsertAsync(DbConnection connection, DbTransaction? transaction, Member member) =>
        connection.ExecuteAsync(
            """
            INSERT INTO members (id, authority_id, first_name, last_name, email, mobile, m365_upn, delivery, paper_requested_on, person_key, created_at, updated_at)
            VALUES (@Id, @AuthorityId, @FirstName, @LastName, @Email, @Mobile, @M365Upn, @Delivery, @PaperRequestedOn, @PersonKey, @CreatedAt, @UpdatedAt)
            """,
            member, transaction);

    public static Task UpdateAsync(DbConnection connection, DbTransaction? transaction, Member member) =>
        connection.ExecuteAsync(
            """
            UPDATE members SET first_name = @FirstName, last_name = @LastName, email = @Email, mobile = @Mobile, m365_upn = @M365Upn,
                delivery = @Delivery, paper_requested_on = @PaperRequestedOn, person_key = @PersonKey, mobile_problem = @MobileProblem, updated_at = @UpdatedAt
            WHERE id = @Id AND authority_id = @AuthorityId
            """,
            member, transaction);

    public async Task InsertAsync(Member member, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await InsertAsync(connection, null, member);
    }

    public async Task<bool> EmailTakenAsync(Guid authorityId, string email, Guid? exceptMemberId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var existing = await FindByEmailAsync(connection, null, authorityId, email);
        return existing is not null && existing.Id != exceptMemberId;
    }

    /// <summary>
    /// The same person's memberships in other authorities (same email or UPN), limited to the authorities the caller
    /// may see: a key scoped to one authority learns nothing about another.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> OtherMembershipsAsync(Member member, Func<Guid, bool> visible, CancellationToken cancellationToken)
    {
        if (member.PersonKey is null)
        {
            return [];
        }
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Membership>(
            "SELECT id AS Id, authority_id AS AuthorityId FROM members WHERE person_key = @PersonKey AND id <> @Id", new { member.PersonKey, member.Id });
        return rows.Where(r => visible(r.AuthorityId)).Select(r => r.Id).ToList();
    }

    private sealed class Membership
    {
        public Guid Id { get; set; }
        public Guid AuthorityId { get; set; }
    }

    /// <remarks>Written during a dispatch (a refused number): through the writer turn, not in autocommit.</remarks>
    public Task FlagMobileAsync(Guid memberId, string problem, DateTimeOffset now, CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync(
            "UPDATE members SET mobile_problem = @problem, updated_at = @now WHERE id = @memberId", new { memberId, problem, now }, cancellationToken);
}
