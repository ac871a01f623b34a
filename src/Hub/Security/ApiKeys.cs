using System.Security.Cryptography;
using System.Text;
using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Security;

public sealed class ApiKeyRecord
{
    public Guid Id { get; set; }
    public Guid? AuthorityId { get; set; }
    public string Name { get; set; } = "";
    public string Role { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
}

/// <summary>API keys are stored as SHA-256 hashes only; the clear key is shown once, at creation.</summary>
public sealed class ApiKeyStore(HubDatabase database, TimeProvider time)
{
    private const string KeyPrefix = "hub_";

    public static string NewKey() => KeyPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<ApiKeyRecord?> FindActiveAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(
            """
            SELECT id AS Id, authority_id AS AuthorityId, name AS Name, role AS Role, created_at AS CreatedAt, revoked_at AS RevokedAt
            FROM api_keys WHERE key_hash = @hash AND revoked_at IS NULL
            """,
            new { hash = Hash(key) });
    }

    public async Task<(ApiKeyRecord Record, string Key)> CreateAsync(string name, string role, Guid? authorityId, CancellationToken cancellationToken, string? key = null)
    {
        key ??= NewKey();
        var record = new ApiKeyRecord { Id = Guid.CreateVersion7(), AuthorityId = authorityId, Name = name, Role = role, CreatedAt = time.GetUtcNow() };
        await database.ExecuteWriteAsync(
            "INSERT INTO api_keys (id, authority_id, name, role, key_hash, created_at) VALUES (@Id, @AuthorityId, @Name, @Role, @hash, @CreatedAt)",
            new { record.Id, record.AuthorityId, record.Name, record.Role, hash = Hash(key), record.CreatedAt }, cancellationToken);
        return (record, key);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM api_keys WHERE key_hash = @hash", new { hash = Hash(key) }) > 0;
    }

    public async Task<bool> AnyPlatformAdminAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM api_keys WHERE authority_id IS NULL AND role = @role AND revoked_at IS NULL",
            new { role = HubRoles.Admin }) > 0;
    }

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(Guid? authorityId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ApiKeyRecord>(
            """
            SELECT id AS Id, authority_id AS AuthorityId, name AS Name, role AS Role, created_at AS CreatedAt, revoked_at AS RevokedAt
            FROM api_keys WHERE (@authorityId IS NULL OR authority_id = @authorityId) ORDER BY created_at
            """,
            new { authorityId });
        return rows.AsList();
    }

    public async Task<ApiKeyRecord?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ApiKeyRecord>(
            "SELECT id AS Id, authority_id AS AuthorityId, name AS Name, role AS Role, created_at AS CreatedAt, revoked_at AS RevokedAt FROM api_keys WHERE id = @id",
            new { id });
    }

    public Task RevokeAsync(Guid id, CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync("UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL", new { id, now = time.GetUtcNow() }, cancellationToken);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
