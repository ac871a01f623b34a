using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.ConnectorInstances;

public sealed class ConnectorStore(HubDatabase database)
{
    private const string Columns =
        "id AS Id, authority_id AS AuthorityId, name AS Name, type AS Type, enabled AS Enabled, settings AS Settings, secrets AS ProtectedSecrets, revision AS Revision, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public async Task<IReadOnlyList<ConnectorInstance>> ListAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ConnectorInstance>(
            $"SELECT {Columns} FROM connectors WHERE authority_id = @authorityId ORDER BY name", new { authorityId });
        return rows.AsList();
    }

    public async Task<IReadOnlyList<ConnectorInstance>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ConnectorInstance>($"SELECT {Columns} FROM connectors")).AsList();
    }

    public async Task<IReadOnlyList<ConnectorInstance>> ListAllEnabledAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ConnectorInstance>($"SELECT {Columns} FROM connectors WHERE enabled = @enabled", new { enabled = true });
        return rows.AsList();
    }

    public async Task<ConnectorInstance?> GetAsync(Guid authorityId, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ConnectorInstance>(
            $"SELECT {Columns} FROM connectors WHERE authority_id = @authorityId AND name = @name", new { authorityId, name });
    }

    /// <summary>Creates or replaces the instance; the revision grows so cached channels built from old settings are dropped.</summary>
    public async Task<ConnectorInstance> SaveAsync(ConnectorInstance instance, CancellationToken cancellationToken)
    {
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var existing = await connection.QuerySingleOrDefaultAsync<ConnectorInstance>(
                $"SELECT {Columns} FROM connectors WHERE authority_id = @AuthorityId AND name = @Name", instance, transaction);
            if (existing is null)
            {
                instance.Revision = 1;
                await connection.ExecuteAsync(
                    """
                    INSERT INTO connectors (id, authority_id, name, type, enabled, settings, secrets, revision, created_at, updated_at)
                    VALUES (@Id, @AuthorityId, @Name, @Type, @Enabled, @Settings, @ProtectedSecrets, @Revision, @CreatedAt, @UpdatedAt)
                    """,
                    instance, transaction);
                return instance;
            }
            instance.Id = existing.Id;
            instance.CreatedAt = existing.CreatedAt;
            instance.Revision = existing.Revision + 1;
            await connection.ExecuteAsync(
                """
                UPDATE connectors SET type = @Type, enabled = @Enabled, settings = @Settings, secrets = @ProtectedSecrets, revision = @Revision, updated_at = @UpdatedAt
                WHERE id = @Id
                """,
                instance, transaction);
            return instance;
        }, cancellationToken);
    }

    public async Task<bool> DeleteAsync(Guid authorityId, string name, CancellationToken cancellationToken) =>
        await database.ExecuteWriteAsync("DELETE FROM connectors WHERE authority_id = @authorityId AND name = @name", new { authorityId, name }, cancellationToken) > 0;
}
