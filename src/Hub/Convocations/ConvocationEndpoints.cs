using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence;
using IntegrationHub.Legal;
using IntegrationHub.Members;
using IntegrationHub.Security;
using IntegrationHub.Sessions;

namespace IntegrationHub.Convocations;

public sealed record DeliveryResponse(
    Guid DeliveryId, string Channel, string Purpose, int SessionVersion, string Status, int Attempts, DateTimeOffset? SentAt,
    string? ProviderMessageId, string? Error, string? ProviderResponse = null);

/// <summary>
/// An answer. <c>ProxyVoid</c>, in the current answers: the proxy cannot be exercised (its holder will not attend,
/// CGCT L2121-20). <c>Warning</c>, on the answer just recorded: a consequence to tell the member (a proxy they hold is lost).
/// </summary>
public sealed record AnswerResponse(
    string Attendance, Guid? ProxyHolderMemberId, bool IllnessCertified, string Source, DateTimeOffset RecordedAt, bool ProxyVoid = false, string? Warning = null);

/// <summary>One member's convocation: its deliveries, the current answer, and the verdict on the delay (<see cref="ConvocationVerdict"/>).</summary>
public sealed record ConvocationResponse(
    Guid ConvocationId, Guid MemberId, string Name, IReadOnlyList<DeliveryResponse> Deliveries, AnswerResponse? Answer, ConvocationVerdict Evidence);

public sealed record AnswerRequest(string? Attendance, Guid? ProxyHolderMemberId, bool? IllnessCertified);

public sealed record QuorumResponse(
    int MembersInOffice, int Quorum, int Present, int Absent, int Proxies, int NoAnswer, string Forecast, IReadOnlyList<VoidProxy> VoidProxies)
{
    public static QuorumResponse Of(SessionQuorum q)
    {
        var f = q.Forecast;
        return new(f.MembersInOffice, f.Quorum, f.Present, f.Absent, f.Proxies, f.NoAnswer, f.Forecast switch
        {
            QuorumOutlook.Reached => "reached",
            QuorumOutlook.AtRisk => "atRisk",
            _ => "notReached",
        }, q.VoidProxies);
    }
}

public static class ConvocationEndpoints
{
    public static void MapConvocationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sessions/{sessionId:guid}/convocations", ListAsync).WithTags("Convocations").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/sessions/{sessionId:guid}/quorum", QuorumAsync).WithTags("Convocations").RequireAuthorization(HubPolicies.Read);
        app.MapPost("/api/convocations/{convocationId:guid}/answer", AnswerAsync).WithTags("Convocations").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/convocations/{convocationId:guid}/answers", AnswerHistoryAsync).WithTags("Convocations").RequireAuthorization(HubPolicies.Read);
    }

    internal static AnswerResponse ToResponse(Answer a) => new(a.Attendance, a.ProxyHolderMemberId, a.IllnessCertified, a.Source, a.RecordedAt);

    internal static DeliveryResponse ToResponse(Delivery d) =>
        new(d.Id, d.Channel, d.Purpose, d.SessionVersion, d.Status, d.Attempts, d.SentAt, d.ProviderMessageId, d.LastError, d.ProviderResponse);

    private static async Task<IResult> ListAsync(
        Guid sessionId, ClaimsPrincipal user, SessionStore sessions, ConvocationStore convocations, AnswerStore answers, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        var rows = await convocations.OverviewAsync(sessionId, cancellationToken);
        var deliveries = (await convocations.DeliveriesAsync(sessionId, cancellationToken)).ToLookup(d => d.ConvocationId);
        var current = await answers.ForSessionAsync(sessionId, cancellationToken);
        return Results.Ok(rows.Select(r => new ConvocationResponse(
            r.ConvocationId, r.MemberId, $"{r.FirstName} {r.LastName}",
            deliveries[r.ConvocationId].Select(ToResponse).ToList(),
            current.Of(r.MemberId) is { } answer ? ToResponse(answer) with { ProxyVoid = current.IsVoidProxy(answer) } : null,
            ConvocationVerdict.Of(session, deliveries[r.ConvocationId], time.GetUtcNow()))));
    }

    private static async Task<IResult> QuorumAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, QuorumService quorum, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        return Results.Ok(QuorumResponse.Of(await quorum.ForecastAsync(session, cancellationToken)));
    }

    private static async Task<IResult> AnswerAsync(
        Guid convocationId, AnswerRequest request, ClaimsPrincipal user, ConvocationStore convocations, SessionStore sessions,
        MemberStore members, AnswerService service, CancellationToken cancellationToken)
    {
        var convocation = await convocations.GetAsync(convocationId, cancellationToken);
        if (convocation is null || !user.CanAccess(convocation.AuthorityId))
        {
            return AccessGuard.ConvocationNotFound(convocationId);
        }
        if (!Attendance.IsKnown(request.Attendance))
        {
            return Problems.Validation("attendance", "La réponse doit être « present », « absent » ou « proxy ».");
        }
        if (request.Attendance == Attendance.Proxy && request.ProxyHolderMemberId is { } holderId
            && (await members.GetAsync(holderId, cancellationToken))?.AuthorityId != convocation.AuthorityId)
        {
            return Problems.Unprocessable("proxy-holder-unknown", "Mandataire inconnu", $"Aucun élu {holderId} n'existe dans cette collectivité.");
        }
        var session = (await sessions.GetAsync(convocation.SessionId, cancellationToken))!;
        var outcome = await service.RecordAsync(
            session, convocation, request.Attendance!, request.ProxyHolderMemberId, request.IllnessCertified ?? false, "secretariat", cancellationToken);
        return outcome switch
        {
            AnswerOutcome.Recorded r => Results.Ok(ToResponse(r.Answer) with { Warning = r.Warning }),
            AnswerOutcome.Refused f => Problems.Unprocessable(f.Code, "Réponse refusée", f.Message, new Dictionary<string, object?> { ["rule"] = f.Code }),
            AnswerOutcome.Conflict c => Problems.Conflict(c.Code, c.Message),
            _ => throw new InvalidOperationException(),
        };
    }

    private static async Task<IResult> AnswerHistoryAsync(Guid convocationId, ClaimsPrincipal user, ConvocationStore convocations, AnswerStore answers, CancellationToken cancellationToken)
    {
        var convocation = await convocations.GetAsync(convocationId, cancellationToken);
        if (convocation is null || !user.CanAccess(convocation.AuthorityId))
        {
            return AccessGuard.ConvocationNotFound(convocationId);
        }
        return Results.Ok((await answers.HistoryAsync(convocationId, cancellationToken)).Select(ToResponse));
    }
}
