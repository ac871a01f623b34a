using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.Documents.Intake;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Plugins.Documents;
using IntegrationHub.Security;
using IntegrationHub.Sessions;

namespace IntegrationHub.Documents.Sources;

/// <param name="Source">The name of the authority's document-source connector.</param>
/// <param name="DocumentId">The document's id in that source, as its search returned it.</param>
/// <param name="ItemId">The agenda item it belongs to, if any.</param>
/// <param name="Kind"><c>synthesisNote</c>, <c>draftDeliberation</c>, <c>annex</c> or <c>other</c> (default).</param>
/// <param name="Replaces">The current document of the session it replaces, if any.</param>
public sealed record AttachFromSourceRequest(string? Source, string? DocumentId, Guid? ItemId, string? Kind, Guid? Replaces);

/// <summary>
/// Browse an authority's document sources and copy one of their documents into a session. The copy streams from the
/// source through the same checks as an upload (<see cref="DocumentIntake"/>) and keeps where it came from.
/// </summary>
public static class DocumentSourceEndpoints
{
    public static void MapDocumentSourceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/authorities/{authorityId:guid}/document-sources").WithTags("Documents").RequireAuthorization(HubPolicies.Write);
        group.MapGet("", ListAsync);
        group.MapGet("{name}/documents", SearchAsync);
        app.MapPost("/api/sessions/{sessionId:guid}/documents/from-source", AttachAsync).WithTags("Documents").RequireAuthorization(HubPolicies.Write);
    }

    private static async Task<IResult> ListAsync(
        Guid authorityId, ClaimsPrincipal user, AuthorityStore authorities, DocumentSources sources, CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        return Results.Ok(await sources.ListAsync(authorityId, cancellationToken));
    }

    private static async Task<IResult> SearchAsync(
        Guid authorityId, string name, string? q, ClaimsPrincipal user, AuthorityStore authorities, DocumentSources sources,
        CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        if (string.IsNullOrWhiteSpace(q))
        {
            return Problems.Unprocessable("search-text-missing", "Recherche vide", "Indiquez le texte à rechercher dans le paramètre «\u00A0q\u00A0».");
        }
        try
        {
            if (await sources.FindAsync(authorityId, name, cancellationToken) is not { } source)
            {
                return DocumentSources.NotFound(name);
            }
            return Results.Ok(await source.SearchAsync(q.Trim(), cancellationToken));
        }
        catch (Exception e) when (DocumentSources.Problem(e, name) is { } problem)
        {
            return problem;
        }
    }

    private static async Task<IResult> AttachAsync(
        Guid sessionId, AttachFromSourceRequest request, ClaimsPrincipal user, SessionStore sessions, DocumentSources sources, DocumentIntake intake,
        SessionDocumentAttacher attacher, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        if (SessionDocumentAttacher.RefuseIfClosed(session) is { } closed)
        {
            return closed;
        }
        var errors = new List<(string Field, string Message)>();
        if (string.IsNullOrWhiteSpace(request.Source))
        {
            errors.Add(("source", "Indiquez la source de documents («\u00A0source\u00A0»), par le nom de son connecteur."));
        }
        if (string.IsNullOrWhiteSpace(request.DocumentId))
        {
            errors.Add(("documentId", "Indiquez l'identifiant du document dans la source («\u00A0documentId\u00A0»), tel que la recherche l'a renvoyé."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var (name, documentId) = (request.Source!, request.DocumentId!);

        var limit = await intake.SizeLimitBytesAsync(session.AuthorityId, cancellationToken);
        SourceDocument described;
        StagedBlob staged;
        try
        {
            if (await sources.FindAsync(session.AuthorityId, name, cancellationToken) is not { } source)
            {
                return DocumentSources.NotFound(name);
            }
            described = await source.DescribeAsync(documentId, cancellationToken);
            if (described.Size > limit)
            {
                throw new DocumentTooLargeException(limit);
            }
            // Streamed from the source into the staging area: never held whole in memory.
            await using var content = await source.OpenAsync(documentId, cancellationToken);
            staged = await intake.StageAsync(content, limit, cancellationToken);
        }
        catch (DocumentTooLargeException ex)
        {
            return DocumentIntake.TooLarge(ex);
        }
        catch (Exception e) when (DocumentSources.Problem(e, name) is { } problem)
        {
            return problem;
        }

        await using (staged)
        {
            // The name and the type are checked like an upload's: the source's name is sanitised, its media type ignored
            // in favour of the bytes' signature.
            var (safeName, mediaType) = await intake.CheckNameAndTypeAsync(staged, described.Name, "documentId", errors, cancellationToken);
            var placement = await attacher.CheckPlacementAsync(
                session, request.Kind, request.ItemId?.ToString(), request.Replaces?.ToString(), errors, cancellationToken);
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
            return await attacher.AttachAsync(session, staged, safeName!, mediaType!, placement, $"{name}:{documentId}", user, cancellationToken);
        }
    }
}
