using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Convocations;
using IntegrationHub.Security;
using IntegrationHub.Sessions;
using Microsoft.AspNetCore.Http.Features;

namespace IntegrationHub.Evidence.Bundle;

public static class EvidenceBundleEndpoints
{
    public static void MapEvidenceEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sessions/{sessionId:guid}/evidence", SessionAsync).WithTags("Preuves").RequireAuthorization(HubPolicies.Read)
            .Produces(200, contentType: "application/zip");
        app.MapGet("/api/members/{memberId:guid}/evidence", MemberAsync).WithTags("Preuves").RequireAuthorization(HubPolicies.Read)
            .Produces(200, contentType: "application/zip");
    }

    private static async Task<IResult> SessionAsync(
        Guid sessionId, HttpContext context, ClaimsPrincipal user, SessionStore sessions, EvidenceBundleWriter writer, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        var bundle = await writer.PrepareAsync(session, null, cancellationToken);
        return bundle is null
            ? Problems.NotFound($"La séance {sessionId} n'a pas encore été envoyée : aucune preuve n'est enregistrée.")
            : Zip(context, bundle, writer);
    }

    private static async Task<IResult> MemberAsync(
        Guid memberId, Guid? sessionId, HttpContext context, ClaimsPrincipal user, SessionStore sessions, ConvocationStore convocations, EvidenceBundleWriter writer,
        CancellationToken cancellationToken)
    {
        if (sessionId is not { } id)
        {
            return Problems.Validation("sessionId", "Indiquez la séance (paramètre sessionId) dont vous voulez les preuves.");
        }
        if (await sessions.GetVisibleAsync(id, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(id);
        }
        if (!(await convocations.ForSessionAsync(id, cancellationToken)).Any(c => c.MemberId == memberId))
        {
            return Problems.NotFound($"L'élu {memberId} n'a pas été convoqué à la séance {id}.");
        }
        var bundle = await writer.PrepareAsync(session, memberId, cancellationToken);
        return bundle is null ? Problems.NotFound($"Aucune preuve n'est enregistrée pour l'élu {memberId} à la séance {id}.") : Zip(context, bundle, writer);
    }

    private static IResult Zip(HttpContext context, EvidenceBundle bundle, EvidenceBundleWriter writer)
    {
        // ZipArchive still writes some records synchronously even through its async API (.NET 10); allowed for this
        // response only, the bulk of the data (entry contents) is written asynchronously.
        if (context.Features.Get<IHttpBodyControlFeature>() is { } body)
        {
            body.AllowSynchronousIO = true;
        }
        return Results.Stream(stream => writer.WriteAsync(bundle, stream, context.RequestAborted), "application/zip", bundle.FileName);
    }
}
