using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using IntegrationHub.Documents;
using IntegrationHub.Evidence;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Mailings;
using IntegrationHub.Sessions;

namespace IntegrationHub.Validation;

/// <summary>
/// The identity of a dossier: the SHA-256 of its canonical JSON (RFC 8785, as the ledger's data). For a session, the
/// snapshot the ledger records at sending (<see cref="SessionEvidence.Snapshot"/>: time, place, urgency, agenda, every
/// current document with its SHA-256, the rule); for a mailing, its title, message and documents. Approvers approve
/// one fingerprint: anything that changes it restarts the circuit, and sending checks it again.
/// </summary>
public static class DossierFingerprint
{
    public static string OfSession(Session session, IReadOnlyList<SessionDocument> documents) => Of(SessionEvidence.Snapshot(session, documents));

    public static string OfMailing(Mailing mailing, IReadOnlyList<MailingDocument> documents) => Of(MailingSnapshot(mailing, documents));

    /// <summary>What a mailing's approvers approve: its text and its documents (the recipients are fixed at creation).</summary>
    public static object MailingSnapshot(Mailing mailing, IReadOnlyList<MailingDocument> documents)
    {
        ArgumentNullException.ThrowIfNull(mailing);
        return new
        {
            mailingId = mailing.Id,
            mailing.Title,
            mailing.Message,
            documents = documents.Select(d => new { d.Id, d.Name, d.MediaType, d.Sha256, d.Size, d.Position }),
        };
    }

    /// <summary>The session's fingerprint as the caller's transaction sees it (its documents read in that transaction).</summary>
    public static async Task<string> OfSessionAsync(DbConnection connection, DbTransaction? transaction, Session session) =>
        OfSession(session, await SessionDocumentStore.CurrentAsync(connection, transaction, session.Id));

    /// <summary>The mailing's fingerprint as the caller's transaction sees it.</summary>
    public static async Task<string> OfMailingAsync(DbConnection connection, DbTransaction? transaction, Mailing mailing)
    {
        ArgumentNullException.ThrowIfNull(mailing);
        var documents = await connection.QueryAsync<MailingDocument>(
            """
            SELECT id AS Id, authority_id AS AuthorityId, mailing_id AS MailingId, name AS Name, media_type AS MediaType, sha256 AS Sha256,
                   size AS Size, position AS Position, uploaded_at AS UploadedAt, uploaded_by AS UploadedBy
            FROM mailing_documents WHERE mailing_id = @Id ORDER BY position
            """,
            new { mailing.Id }, transaction);
        return OfMailing(mailing, documents.AsList());
    }

    /// <summary>The dossier as it stands (read in the caller's transaction when there is one): whether it is still a draft, and its fingerprint. Null when it does not exist.</summary>
    public static async Task<(bool Draft, string Fingerprint)?> CurrentAsync(DbConnection connection, DbTransaction? transaction, ValidationDossier dossier)
    {
        ArgumentNullException.ThrowIfNull(dossier);
        if (dossier.SessionId is { } sessionId)
        {
            return await SessionStore.GetAsync(connection, transaction, sessionId) is { } session
                ? (session.Status == SessionStatus.Draft, await OfSessionAsync(connection, transaction, session))
                : null;
        }
        var mailing = await connection.QuerySingleOrDefaultAsync<Mailing>(
            "SELECT id AS Id, authority_id AS AuthorityId, title AS Title, message AS Message, status AS Status FROM mailings WHERE id = @MailingId",
            new { dossier.MailingId }, transaction);
        return mailing is null ? null : (mailing.Status == MailingStatus.Draft, await OfMailingAsync(connection, transaction, mailing));
    }

    private static string Of(object snapshot)
    {
        var element = JsonSerializer.SerializeToElement(snapshot, snapshot.GetType(), EvidenceLedger.DataSerializerOptions);
        return Convert.ToHexStringLower(SHA256.HashData(CanonicalJson.Serialize(element)));
    }
}
