using System.Security.Claims;
using Dapper;
using IntegrationHub.Api;
using IntegrationHub.Dispatch;
using IntegrationHub.Documents.Intake;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Sessions;

namespace IntegrationHub.Documents;

/// <summary>Where a new document goes in a session: its kind, its agenda item, the document it replaces.</summary>
public sealed record DocumentPlacement(string Kind, Guid? ItemId, SessionDocument? Replaces);

/// <summary>
/// What happens to a file once it has arrived, whatever brought it (a multipart upload, a document source): the
/// placement checks, the antivirus, the commit, the new version recorded, and — after the convocation was sent — the
/// notice to members of what changed.
/// </summary>
public sealed class SessionDocumentAttacher(
    SessionDocumentStore documents, DocumentIntake intake, DispatchService dispatch, Persistence.HubDatabase database, IntegrationHub.Validation.ValidationService validation,
    TimeProvider time)
{
    /// <summary>The answer when documents can no longer be added to the session, else null.</summary>
    public static IResult? RefuseIfClosed(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Status == SessionStatus.Cancelled
            ? Problems.Conflict("cancelled", "Cette séance a été annulée : on ne peut plus y joindre de document.")
            : null;
    }

    /// <summary>Reads the optional <c>kind</c>, <c>itemId</c> and <c>replaces</c>; each refusal is added to <paramref name="errors"/>.</summary>
    public async Task<DocumentPlacement> CheckPlacementAsync(
        Session session, string? kindText, string? itemText, string? replacesText, ICollection<(string Field, string Message)> errors,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(errors);
        var kind = kindText is { Length: > 0 } ? kindText : DocumentKinds.Other;
        if (!DocumentKinds.IsKnown(kind))
        {
            errors.Add(("kind", "Le type de document doit être « synthesisNote », « draftDeliberation », « annex » ou « other »."));
        }
        Guid? itemId = null;
        if (itemText is { Length: > 0 })
        {
            if (Guid.TryParse(itemText, out var parsed) && session.Items.Any(i => i.Id == parsed))
            {
                itemId = parsed;
            }
            else
            {
                errors.Add(("itemId", $"La question « {itemText} » n'est pas à l'ordre du jour de cette séance."));
            }
        }
        SessionDocument? replaces = null;
        if (replacesText is { Length: > 0 })
        {
            replaces = Guid.TryParse(replacesText, out var replacedId) ? await documents.GetAsync(replacedId, cancellationToken) : null;
            if (replaces is null || replaces.SessionId != session.Id || !replaces.IsCurrent)
            {
                errors.Add(("replaces", "Le document à remplacer n'est pas un document actuel de cette séance."));
            }
        }
        return new DocumentPlacement(kind, itemId, replaces);
    }

    /// <summary>
    /// Scans, commits and records checked bytes as a new document (or a new version), then tells members when the
    /// convocation was already sent. Answers 201 with the document, or the French problem that stopped it.
    /// </summary>
    public async Task<IResult> AttachAsync(
        Session session, StagedBlob staged, string safeName, string mediaType, DocumentPlacement placement, string? sourceReference,
        ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(user);
        if (await intake.ScanAsync(staged, safeName, session.Id, cancellationToken) is { } refused)
        {
            return refused;
        }

        var blob = await intake.CommitAsync(staged, cancellationToken);
        var now = time.GetUtcNow();
        var replaces = placement.Replaces;
        var document = new SessionDocument
        {
            Id = Guid.CreateVersion7(),
            AuthorityId = session.AuthorityId,
            SessionId = session.Id,
            ItemId = replaces?.ItemId ?? placement.ItemId,
            LineageId = replaces?.LineageId ?? Guid.CreateVersion7(),
            Version = (replaces?.Version ?? 0) + 1,
            IsCurrent = true,
            Kind = replaces is null ? placement.Kind : replaces.Kind,
            Name = safeName,
            MediaType = mediaType,
            Sha256 = blob.Sha256,
            Size = blob.Size,
            Position = replaces?.Position ?? 0,
            SourceReference = sourceReference,
            UploadedAt = now,
            UploadedBy = user.Identity?.Name ?? "?",
        };
        if (session.Status != SessionStatus.Sent)
        {
            // Before sending, a new document changes the dossier its validation circuit decides on: it restarts (issue 6).
            var notices = await database.InTransactionAsync(async (c, t) =>
            {
                // The session's row lock, still a draft: a send waiting on it sees this document, and a send that
                // committed first leaves 0 rows here, so the document is never added as to a draft while the members
                // were convened without it (their right to information, L2121-13).
                if (await c.ExecuteAsync("UPDATE sessions SET updated_at = @now WHERE id = @Id AND status = @draft",
                        new { now, session.Id, draft = SessionStatus.Draft }, t) == 0)
                {
                    return null;
                }
                await SessionDocumentStore.AddAsync(c, t, document, replaces);
                return await validation.SessionChangedAsync(c, t, session, document.UploadedBy, now);
            }, cancellationToken);
            if (notices is null)
            {
                return Changed();
            }
            validation.EnqueueNotices(notices);
        }
        else
        {
            // Members are told what changed after the convocation (LEGAL.md §2: their right to information, L2121-13).
            session.Version++;
            session.UpdatedAt = now;
            var summary = replaces is null
                ? $"Document ajouté : {DocumentKinds.Label(document.Kind)} « {document.Name} »"
                : $"Document remplacé : {DocumentKinds.Label(document.Kind)} « {document.Name} » (version {document.Version})";
            try
            {
                // One transaction: the document, the new version of the session and the notice to every member commit
                // together, so no document is ever there without the members having been told.
                await dispatch.NotifyChangeAsync(session, DeliveryPurpose.Update, summary, async (c, t) =>
                {
                    await SessionStore.UpdateAsync(c, t, session, SessionStatus.Sent, session.Version - 1);
                    await SessionDocumentStore.AddAsync(c, t, document, replaces);
                }, cancellationToken);
            }
            catch (SessionChangedException)
            {
                return Changed();
            }
        }
        return Results.Created($"/api/documents/{document.Id}/content", DocumentResponse.Of(document));
    }

    private static IResult Changed() =>
        Problems.Conflict("changed", "La séance venait d'être modifiée : le document n'a pas été joint. Rechargez la séance et envoyez-le de nouveau.");
}
