using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Authorities;

public sealed class AuthorityStore(HubDatabase database)
{
    private const string Columns =
        "id AS Id, name AS Name, kind AS Kind, population AS Population, siren AS Siren, department_code AS DepartmentCode, created_at AS CreatedAt";

    public Task InsertAsync(Authority authority, CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync(
            """
            INSERT INTO authorities (id, name, kind, population, siren, department_code, created_at)
            VALUES (@Id, @Name, @kind, @Population, @Siren, @DepartmentCode, @CreatedAt)
            """,
            new { authority.Id, authority.Name, kind = AuthorityValidation.KindName(authority.Kind), authority.Population, authority.Siren, authority.DepartmentCode, authority.CreatedAt },
            cancellationToken);

    public async Task<bool> SirenExistsAsync(string siren, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM authorities WHERE siren = @siren", new { siren }) > 0;
    }

    public async Task<Authority?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM authorities WHERE id = @id", new { id });
        return row?.ToAuthority();
    }

    public async Task<int?> DocumentSizeLimitMbAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int?>("SELECT document_size_limit_mb FROM authorities WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<Authority>> ListAsync(Guid? onlyId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(
            $"SELECT {Columns} FROM authorities WHERE (@onlyId IS NULL OR id = @onlyId) ORDER BY name", new { onlyId });
        return rows.Select(r => r.ToAuthority()).ToList();
    }

    private sealed class Row
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string Kind { get; set; } = "";
        public int Population { get; set; }
        public string Siren { get; set; } = "";
        public string DepartmentCode { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }

        public Authority ToAuthority()
        {
            if (!AuthorityValidation.TryParseKind(Kind, out var kind))
            {
                throw new InvalidOperationException($"Authority {Id} has an unknown kind '{Kind}' in the database.");
            }
            return new Authority(Id, Name, kind, Population, Siren, DepartmentCode, CreatedAt);
        }
    }
}
