using System.Security.Claims;
using Hangfire;
using IntegrationHub.Api;
using IntegrationHub.Convocations;
using IntegrationHub.Documents.Intake;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Security;
using IntegrationHub.Sessions;
using Microsoft.Net.Http.Headers;

namespace IntegrationHub.Documents;

/// <summary>A document as the API shows it; <c>SourceReference</c> is « connector name:source id » for a copy from a document source.</summary>
public sealed record DocumentResponse(
    Guid Id, string Sha256, long Size, string Name, string Kind, string MediaType, Guid? ItemId, int Version, int Position, DateTimeOffset UploadedAt,
    string? SourceReference)
{
    public static DocumentResponse Of(SessionDocument d) =>
        new(d.Id, d.Sha256, d.Size, d.Name, d.Kind, d.MediaType, d.ItemId, d.Version, d.Position, d.UploadedAt, d.SourceReference);
}

/// <summary>
/// Upload streams the multipart body straight into the store (never into memory or an IFormFile buffer), then checks
/// the bytes (signature, antivirus) before they are committed; download streams from the store with ETag and ranges.
/// </summary>
public static class DocumentEndpoints
{
    public static void MapDocumentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/sessions/{sessionId:guid}/documents", UploadAsync).WithTags("Documents").RequireAuthorization(HubPolicies.Write)
            .DisableAntiforgery().Accepts<IFormFile>("multipart/form-data");
        app.MapGet("/api/sessions/{sessionId:guid}/documents", ListAsync).WithTags("Documents").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/documents/{documentId:guid}/history", HistoryAsync).WithTags("Documents").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/sessions/{sessionId:guid}/dossier", DossierAsync).WithTags("Documents").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/sessions/{sessionId:guid}/documents/access", AccessAsync).WithTags("Documents").RequireAuthorization(HubPolicies.Read);
        // Roles through the API key, or a member's personal link (?t=): checked inside.
        app.MapGet("/api/documents/{documentId:guid}/content", ContentAsync).WithTags("Documents").AllowAnonymous();
    }

    private static async Task<IResult> UploadAsync(
        Guid sessionId, HttpRequest request, ClaimsPrincipal user, SessionStore sessions, DocumentIntake intake, SessionDocumentAttacher attacher,
        CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        if (SessionDocumentAttacher.RefuseIfClosed(session) is { } closed)
        {
            return closed;
        }
        var limit = await intake.SizeLimitBytesAsync(session.AuthorityId, cancellationToken);
        var (upload, problem) = await MultipartUpload.ReadAsync(request, intake, limit, cancellationToken);
        if (upload is null)
        {
            return problem!;
        }
        var (staged, fileName, fields) = (upload.File, upload.FileName, upload.Fields);
        await using (upload)
        {
            if (staged is null)
            {
                return Problems.Validation("file", "Joignez le document dans le champ « file ».");
            }
            var errors = new List<(string Field, string Message)>();
            var (safeName, mediaType) = await intake.CheckNameAndTypeAsync(staged, fileName, "file", errors, cancellationToken);
            var placement = await attacher.CheckPlacementAsync(
                session, fields.GetValueOrDefault("kind"), fields.GetValueOrDefault("itemId"), fields.GetValueOrDefault("replaces"), errors, cancellationToken);
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
            return await attacher.AttachAsync(session, staged, safeName!, mediaType!, placement, sourceReference: null, user, cancellationToken);
        }
    }

    private static async Task<IResult> ListAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, SessionDocumentStore documents, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        return Results.Ok((await documents.CurrentAsync(sessionId, cancellationToken)).Select(DocumentResponse.Of));
    }

    private static async Task<IResult> HistoryAsync(Guid documentId, ClaimsPrincipal user, SessionDocumentStore documents, CancellationToken cancellationToken)
    {
        var document = await documents.GetAsync(documentId, cancellationToken);
        if (document is null || !user.CanAccess(document.AuthorityId))
        {
            return Problems.NotFound($"Aucun document {documentId} n'est accessible avec cette clé.");
        }
        return Results.Ok((await documents.HistoryAsync(document.LineageId, cancellationToken)).Select(DocumentResponse.Of));
    }

    /// <summary>The dossier de séance: 200 with the ZIP when it is ready, else 202 while it is built in the background.</summary>
    private static async Task<IResult> DossierAsync(
        Guid sessionId, ClaimsPrincipal user, SessionStore sessions, DossierBuilder dossiers, IBackgroundJobClient jobs, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        var path = (await dossiers.PathForAsync(sessionId, cancellationToken))!;
        if (!File.Exists(path))
        {
            jobs.Enqueue<DossierBuilder>(d => d.BuildAsync(sessionId, CancellationToken.None));
            return Results.Accepted($"/api/sessions/{sessionId}/dossier", new { status = "building", detail = "Le dossier de séance est en préparation ; réessayez dans quelques instants." });
        }
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return Results.Stream(stream, "application/zip", fileDownloadName: $"dossier-seance-{session.MeetingDate:yyyy-MM-dd}.zip", enableRangeProcessing: true);
    }

    private static async Task<IResult> AccessAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, SessionDocumentStore documents, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        return Results.Ok(await documents.AccessAsync(sessionId, cancellationToken));
    }

    private static async Task<IResult> ContentAsync(
        Guid documentId, string? t, ClaimsPrincipal user, SessionDocumentStore documents, ConvocationStore convocations, MemberLinks links,
        IDocumentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var document = await documents.GetAsync(documentId, cancellationToken);
        var notFound = Problems.NotFound("Ce document n'existe pas, ou ce lien ne permet pas de l'ouvrir.");
        if (document is null)
        {
            return notFound;
        }
        var staff = user.Identity?.IsAuthenticated == true && HubRoles.All.Contains(user.Role()) && user.CanAccess(document.AuthorityId);
        if (!staff)
        {
            // A member's link opens the documents of the session it was issued for, and no other.
            var convocation = t is not null && links.ResolveAnswerToken(t) is { } convocationId
                ? await convocations.GetAsync(convocationId, cancellationToken)
                : null;
            if (convocation is null || convocation.SessionId != document.SessionId)
            {
                return notFound;
            }
            // Evidence of reading is an actual download: a mail scanner following the page link reads no document. The
            // first download is also kept as the member's first opening.
            var now = time.GetUtcNow();
            await documents.RecordAccessAsync(document.AuthorityId, document.SessionId, convocation.MemberId, document.Id, DocumentAccess.Open, now);
            await documents.RecordAccessAsync(document.AuthorityId, document.SessionId, convocation.MemberId, document.Id, DocumentAccess.Download, now);
        }
        var content = store.OpenRead(document.Sha256);
        if (content is null)
        {
            return Results.Problem(statusCode: 500, title: "Document manquant", detail: "Le contenu de ce document est introuvable dans le stockage.");
        }
        return Results.Stream(
            content,
            document.MediaType,
            fileDownloadName: document.Name,
            entityTag: new EntityTagHeaderValue($"\"{document.Sha256}\""),
            enableRangeProcessing: true);
    }
}
