using System.Data.Common;
using System.Security.Cryptography;
using Dapper;
using IntegrationHub.Persistence;
using Microsoft.AspNetCore.DataProtection;

namespace IntegrationHub.Convocations;

/// <summary>
/// The key that signs members' personal links. Kept in the database (so every node shares it), encrypted with Data
/// Protection; created once, at the first start.
/// </summary>
public sealed class LinkSigningKey
{
    private const string Name = "member-links";
    private readonly HubDatabase? _database;
    private readonly IDataProtector? _protector;
    private readonly TimeProvider _time;
    private byte[]? _key;

    public LinkSigningKey(HubDatabase database, IDataProtectionProvider protection, TimeProvider time)
    {
        _database = database;
        _protector = protection.CreateProtector("IntegrationHub.SigningKeys.v1");
        _time = time;
    }

    /// <summary>A key given directly, for tests of code that signs links.</summary>
    public LinkSigningKey(byte[] key)
    {
        _key = key;
        _time = TimeProvider.System;
    }

    public byte[] Key => _key ?? throw new InvalidOperationException("The link signing key is loaded at start-up (StartupTasks).");

    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (_database is null || _protector is null)
        {
            return;
        }
        await using var connection = await _database.OpenAsync(cancellationToken);
        var stored = await ReadAsync(connection);
        if (stored is null)
        {
            try
            {
                await _database.ExecuteWriteAsync(
                    "INSERT INTO signing_keys (name, protected_key, created_at) VALUES (@Name, @key, @now)",
                    new { Name, key = _protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))), now = _time.GetUtcNow() }, cancellationToken);
            }
            catch (DbException)
            {
                // Another node created it first: use theirs.
            }
            stored = await ReadAsync(connection);
        }
        _key = Convert.FromBase64String(_protector.Unprotect(stored!));
    }

    private static Task<string?> ReadAsync(DbConnection connection) =>
        connection.QuerySingleOrDefaultAsync<string?>("SELECT protected_key FROM signing_keys WHERE name = @Name", new { Name });
}
