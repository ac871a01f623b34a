using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Assemblies;

public sealed class AssemblyStore(HubDatabase database)
{
    private const string Columns =
        "id AS Id, authority_id AS AuthorityId, name AS Name, kind AS Kind, notice_days AS NoticeDays, urgent_notice_days AS UrgentNoticeDays, clear_days AS ClearDays, synthesis_note_required AS SynthesisNoteRequired, created_at AS CreatedAt";

    public Task InsertAsync(Assembly assembly, CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync(
            """
            INSERT INTO assemblies (id, authority_id, name, kind, notice_days, urgent_notice_days, clear_days, synthesis_note_required, created_at)
            VALUES (@Id, @AuthorityId, @Name, @Kind, @NoticeDays, @UrgentNoticeDays, @ClearDays, @SynthesisNoteRequired, @CreatedAt)
            """,
            assembly,
            cancellationToken);

    public async Task<Assembly?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Assembly>($"SELECT {Columns} FROM assemblies WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<Assembly>> ListAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Assembly>(
            $"SELECT {Columns} FROM assemblies WHERE authority_id = @authorityId ORDER BY name", new { authorityId });
        return rows.AsList();
    }
}
