using System.Data.Common;
using Dapper;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;

namespace IntegrationHub.Documents;

public sealed class SessionDocumentStore(HubDatabase database, EvidenceLedger ledger)
{
    private const string Columns =
        """
        id AS Id, authority_id AS AuthorityId, session_id AS SessionId, item_id AS ItemId, lineage_id AS LineageId, version AS Version,
        is_current AS IsCurrent, kind AS Kind, name AS Name, media_type AS MediaType, sha256 AS Sha256, size AS Size, position AS Position,
        source_reference AS SourceReference, uploaded_at AS UploadedAt, uploaded_by AS UploadedBy
        """;

    public async Task<SessionDocument?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<SessionDocument>($"SELECT {Columns} FROM documents WHERE id = @id", new { id });
    }

    /// <summary>The current version of every document of the session, in dossier order.</summary>
    public async Task<IReadOnlyList<SessionDocument>> CurrentAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await CurrentAsync(connection, null, sessionId);
    }

    /// <summary>The same, inside a caller's transaction (what a change records is what the transaction sees).</summary>
    public static async Task<IReadOnlyList<SessionDocument>> CurrentAsync(DbConnection connection, DbTransaction? transaction, Guid sessionId)
    {
        var rows = await connection.QueryAsync<SessionDocument>(
            $"SELECT {Columns} FROM documents WHERE session_id = @sessionId AND is_current = @current ORDER BY position, uploaded_at",
            new { sessionId, current = true }, transaction);
        return rows.AsList();
    }

    public async Task<IReadOnlyList<SessionDocument>> HistoryAsync(Guid lineageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<SessionDocument>($"SELECT {Columns} FROM documents WHERE lineage_id = @lineageId ORDER BY version", new { lineageId });
        return rows.AsList();
    }

    /// <summary>Adds a document, or a new version of <paramref name="replaces"/> (which stays in the history, no longer current).</summary>
    public async Task AddAsync(SessionDocument document, SessionDocument? replaces, CancellationToken cancellationToken) =>
        await database.InTransactionAsync((connection, transaction) => AddAsync(connection, transaction, document, replaces), cancellationToken);

    /// <summary>The same inside a caller's transaction (a document added after sending commits with its notice to members).</summary>
    public static async Task AddAsync(DbConnection connection, DbTransaction transaction, SessionDocument document, SessionDocument? replaces)
    {
        if (replaces is not null)
        {
            await connection.ExecuteAsync(
                "UPDATE documents SET is_current = @notCurrent WHERE lineage_id = @LineageId", new { notCurrent = false, replaces.LineageId }, transaction);
        }
        else
        {
            document.Position = 1 + await connection.ExecuteScalarAsync<int>(
                "SELECT COALESCE(MAX(position), 0) FROM documents WHERE session_id = @SessionId", new { document.SessionId }, transaction);
        }
        await connection.ExecuteAsync(
            """
            INSERT INTO documents (id, authority_id, session_id, item_id, lineage_id, version, is_current, kind, name, media_type, sha256, size,
                position, source_reference, uploaded_at, uploaded_by)
            VALUES (@Id, @AuthorityId, @SessionId, @ItemId, @LineageId, @Version, @IsCurrent, @Kind, @Name, @MediaType, @Sha256, @Size,
                @Position, @SourceReference, @UploadedAt, @UploadedBy)
            """,
            document, transaction);
    }

    /// <summary>Records a member's access; the page opening is kept once (the first), each download is kept.</summary>
    public async Task RecordAccessAsync(Guid authorityId, Guid sessionId, Guid memberId, Guid? documentId, string access, DateTimeOffset at)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (access == DocumentAccess.Open && await connection.ExecuteScalarAsync<int>(
                    "SELECT COUNT(*) FROM document_access WHERE session_id = @sessionId AND member_id = @memberId AND access = @access",
                    new { sessionId, memberId, access }, transaction) > 0)
            {
                return;
            }
            await connection.ExecuteAsync(
                """
                INSERT INTO document_access (id, authority_id, session_id, member_id, document_id, access, at)
                VALUES (@id, @authorityId, @sessionId, @memberId, @documentId, @access, @at)
                """,
                new { id = Guid.CreateVersion7(), authorityId, sessionId, memberId, documentId, access, at }, transaction);
            // Evidence of reading (LEGAL.md §8 point 5): the first opening and each download, with the bytes' hash.
            var sha256 = documentId is null ? null : await connection.ExecuteScalarAsync<string>(
                "SELECT sha256 FROM documents WHERE id = @documentId", new { documentId }, transaction);
            await ledger.AppendAsync(connection, transaction, authorityId,
                access == DocumentAccess.Open ? LedgerEntryTypes.DocumentOpened : LedgerEntryTypes.DocumentDownloaded,
                new LedgerSubject(sessionId, MemberId: memberId, DocumentId: documentId), new { access, sha256, through = "member-link" }, at);
        }, CancellationToken.None);
    }

    public async Task<IReadOnlyList<DocumentAccessRecord>> AccessAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<DocumentAccessRecord>(
            "SELECT member_id AS MemberId, document_id AS DocumentId, access AS Access, at AS At FROM document_access WHERE session_id = @sessionId ORDER BY at",
            new { sessionId });
        return rows.AsList();
    }
}

public sealed class DocumentAccessRecord
{
    public Guid MemberId { get; set; }
    public Guid? DocumentId { get; set; }
    public string Access { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
