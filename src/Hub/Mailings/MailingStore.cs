using System.Data.Common;
using Dapper;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;

namespace IntegrationHub.Mailings;

public sealed class MailingStore(HubDatabase database, EvidenceLedger ledger, Validation.ValidationService validation)
{
    private const string MailingColumns =
        """
        id AS Id, authority_id AS AuthorityId, title AS Title, message AS Message, status AS Status, link_validity_days AS LinkValidityDays,
        links_expire_at AS LinksExpireAt, created_at AS CreatedAt, created_by AS CreatedBy, sent_at AS SentAt
        """;

    private const string DocumentColumns =
        """
        id AS Id, authority_id AS AuthorityId, mailing_id AS MailingId, name AS Name, media_type AS MediaType, sha256 AS Sha256, size AS Size,
        position AS Position, uploaded_at AS UploadedAt, uploaded_by AS UploadedBy
        """;

    private const string RecipientColumns =
        "id AS Id, authority_id AS AuthorityId, mailing_id AS MailingId, member_id AS MemberId, created_at AS CreatedAt";

    public async Task InsertAsync(Mailing mailing, IReadOnlyList<MailingRecipient> recipients, CancellationToken cancellationToken)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO mailings (id, authority_id, title, message, status, link_validity_days, links_expire_at, created_at, created_by, sent_at)
                VALUES (@Id, @AuthorityId, @Title, @Message, @Status, @LinkValidityDays, @LinksExpireAt, @CreatedAt, @CreatedBy, @SentAt)
                """,
                mailing, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO mailing_recipients (id, authority_id, mailing_id, member_id, created_at) VALUES (@Id, @AuthorityId, @MailingId, @MemberId, @CreatedAt)",
                recipients, transaction);
        }, cancellationToken);
    }

    public async Task<Mailing?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Mailing>($"SELECT {MailingColumns} FROM mailings WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<Mailing>> ListAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Mailing>(
            $"SELECT {MailingColumns} FROM mailings WHERE authority_id = @authorityId ORDER BY created_at DESC", new { authorityId });
        return rows.AsList();
    }

    public async Task<IReadOnlyList<MailingRecipient>> RecipientsAsync(Guid mailingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MailingRecipient>(
            $"SELECT {RecipientColumns} FROM mailing_recipients WHERE mailing_id = @mailingId", new { mailingId });
        return rows.AsList();
    }

    public async Task<MailingRecipient?> GetRecipientAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MailingRecipient>($"SELECT {RecipientColumns} FROM mailing_recipients WHERE id = @id", new { id });
    }

    public async Task<IReadOnlyList<MailingDocument>> DocumentsAsync(Guid mailingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MailingDocument>(
            $"SELECT {DocumentColumns} FROM mailing_documents WHERE mailing_id = @mailingId ORDER BY position", new { mailingId });
        return rows.AsList();
    }

    public async Task<MailingDocument?> GetDocumentAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<MailingDocument>($"SELECT {DocumentColumns} FROM mailing_documents WHERE id = @id", new { id });
    }

    /// <summary>Attaches a document while the mailing is a draft; false when it was sent meanwhile (nothing is written).</summary>
    public async Task<bool> TryAddDocumentAsync(Mailing mailing, MailingDocument document, CancellationToken cancellationToken)
    {
        IReadOnlyList<Guid> notices = [];
        var added = await database.InTransactionAsync(async (connection, transaction) =>
        {
            // Locks the mailing row (PostgreSQL, SQL Server) so a concurrent send sees the document or refuses it.
            var draft = await connection.ExecuteAsync(
                "UPDATE mailings SET status = status WHERE id = @MailingId AND status = @draft",
                new { document.MailingId, draft = MailingStatus.Draft }, transaction);
            if (draft == 0)
            {
                return false;
            }
            document.Position = 1 + await connection.ExecuteScalarAsync<int>(
                "SELECT COALESCE(MAX(position), 0) FROM mailing_documents WHERE mailing_id = @MailingId", new { document.MailingId }, transaction);
            await connection.ExecuteAsync(
                """
                INSERT INTO mailing_documents (id, authority_id, mailing_id, name, media_type, sha256, size, position, uploaded_at, uploaded_by)
                VALUES (@Id, @AuthorityId, @MailingId, @Name, @MediaType, @Sha256, @Size, @Position, @UploadedAt, @UploadedBy)
                """,
                document, transaction);
            // A document added after the circuit started changes what its approvers decide on: the circuit restarts (issue 6).
            notices = await validation.MailingChangedAsync(connection, transaction, mailing, document.UploadedBy, document.UploadedAt);
            return true;
        }, cancellationToken);
        validation.EnqueueNotices(notices);
        return added;
    }

    /// <summary>draft → sent, guarded by the status so a second, concurrent send is a no-op.</summary>
    public static async Task<bool> TryMarkSentAsync(DbConnection connection, DbTransaction transaction, Mailing mailing, DateTimeOffset now, DateTimeOffset linksExpireAt)
    {
        var updated = await connection.ExecuteAsync(
            "UPDATE mailings SET status = @sent, sent_at = @now, links_expire_at = @linksExpireAt WHERE id = @id AND status = @draft",
            new { sent = MailingStatus.Sent, draft = MailingStatus.Draft, now, linksExpireAt, id = mailing.Id }, transaction);
        if (updated == 0)
        {
            return false;
        }
        mailing.Status = MailingStatus.Sent;
        mailing.SentAt = now;
        mailing.LinksExpireAt = linksExpireAt;
        return true;
    }

    public async Task<IReadOnlyList<Delivery>> DeliveriesAsync(Guid mailingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<Delivery>(
            $"""
            SELECT {DeliveryStore.Columns} FROM deliveries
            WHERE mailing_recipient_id IN (SELECT id FROM mailing_recipients WHERE mailing_id = @mailingId)
            ORDER BY created_at
            """,
            new { mailingId });
        return rows.AsList();
    }

    /// <summary>Records a recipient's reading: the first opening is kept once, each download is kept.</summary>
    public async Task RecordReadAsync(MailingRecipient recipient, Guid? documentId, string access, DateTimeOffset at)
    {
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (access == Documents.DocumentAccess.Open && await connection.ExecuteScalarAsync<int>(
                    "SELECT COUNT(*) FROM mailing_reads WHERE mailing_id = @MailingId AND member_id = @MemberId AND access = @access",
                    new { recipient.MailingId, recipient.MemberId, access }, transaction) > 0)
            {
                return;
            }
            await connection.ExecuteAsync(
                """
                INSERT INTO mailing_reads (id, authority_id, mailing_id, member_id, document_id, access, at)
                VALUES (@id, @AuthorityId, @MailingId, @MemberId, @documentId, @access, @at)
                """,
                new { id = Guid.CreateVersion7(), recipient.AuthorityId, recipient.MailingId, recipient.MemberId, documentId, access, at }, transaction);
            var sha256 = documentId is null ? null : await connection.ExecuteScalarAsync<string>(
                "SELECT sha256 FROM mailing_documents WHERE id = @documentId", new { documentId }, transaction);
            await ledger.AppendAsync(connection, transaction, recipient.AuthorityId,
                access == Documents.DocumentAccess.Open ? LedgerEntryTypes.DocumentOpened : LedgerEntryTypes.DocumentDownloaded,
                new LedgerSubject(MemberId: recipient.MemberId, DocumentId: documentId),
                new { access, sha256, recipient.MailingId, through = "mailing-link" }, at);
        }, CancellationToken.None);
    }

    public async Task<IReadOnlyList<MailingRead>> ReadsAsync(Guid mailingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<MailingRead>(
            "SELECT member_id AS MemberId, document_id AS DocumentId, access AS Access, at AS At FROM mailing_reads WHERE mailing_id = @mailingId ORDER BY at",
            new { mailingId });
        return rows.AsList();
    }
}
