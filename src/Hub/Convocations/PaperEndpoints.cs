using IntegrationHub.Text;
using System.Globalization;
using System.Security.Claims;
using System.Text;
using IntegrationHub.Api;
using IntegrationHub.Dispatch;
using IntegrationHub.Legal;
using IntegrationHub.Security;
using IntegrationHub.Sessions;

namespace IntegrationHub.Convocations;

public sealed record PaperQueueItem(Guid DeliveryId, Guid MemberId, string Name, string Purpose, int SessionVersion, string Status, DateTimeOffset? SentAt, string LetterUrl);

public sealed record PostedRequest(string? PostedOn);

/// <summary>
/// Members who asked for paper (CGCT L2121-10) get a printable letter in the secretariat's queue; the day it is posted
/// is the delivery's sending date (CE 19 March 1969, Commune de Doullens: the postmark counts).
/// </summary>
public static class PaperEndpoints
{
    public static void MapPaperEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sessions/{sessionId:guid}/paper", QueueAsync).WithTags("Paper").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/deliveries/{deliveryId:guid}/letter", LetterAsync).WithTags("Paper").RequireAuthorization(HubPolicies.Read);
        app.MapPost("/api/deliveries/{deliveryId:guid}/posted", PostedAsync).WithTags("Paper").RequireAuthorization(HubPolicies.Write);
    }

    private static async Task<IResult> QueueAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, ConvocationStore convocations, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        var rows = (await convocations.OverviewAsync(sessionId, cancellationToken)).ToDictionary(r => r.ConvocationId);
        var paper = (await convocations.DeliveriesAsync(sessionId, cancellationToken)).Where(d => d.Channel == ChannelNames.Paper);
        return Results.Ok(paper.Select(d =>
        {
            var row = rows[d.ConvocationId!.Value];
            return new PaperQueueItem(d.Id, row.MemberId, $"{row.FirstName} {row.LastName}", d.Purpose, d.SessionVersion, d.Status, d.SentAt, $"/api/deliveries/{d.Id}/letter");
        }));
    }

    private static async Task<IResult> LetterAsync(
        Guid deliveryId, ClaimsPrincipal user, DeliveryStore deliveries, DeliveryContentLoader content, CancellationToken cancellationToken)
    {
        var delivery = await deliveries.GetAsync(deliveryId, cancellationToken);
        if (delivery is null || !user.CanAccess(delivery.AuthorityId) || delivery.Channel != ChannelNames.Paper)
        {
            return AccessGuard.DeliveryNotFound(deliveryId);
        }
        var message = await content.ComposeAsync(delivery, cancellationToken: cancellationToken);
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>")
            .Append(Html.Encode(message.Subject))
            .Append("</title><style>@page{size:A4;margin:2cm}body{font-family:serif;max-width:17cm;margin:auto;line-height:1.4}")
            .Append(".recipient{margin:2cm 0 1cm 9cm}</style></head><body>")
            .Append("<p class=\"recipient\">").Append(Html.Encode(message.Recipient.DisplayName)).Append("</p>")
            .Append("<h1 style=\"font-size:1.2em\">").Append(Html.Encode(message.Subject)).Append("</h1>");
        var body = message.HtmlBody ?? "";
        var start = body.IndexOf("<body>", StringComparison.Ordinal);
        var end = body.LastIndexOf("</body>", StringComparison.Ordinal);
        html.Append(start >= 0 && end > start ? body[(start + 6)..end] : Html.Encode(message.TextBody));
        html.Append("</body></html>");
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }

    private static async Task<IResult> PostedAsync(
        Guid deliveryId, PostedRequest request, ClaimsPrincipal user, DeliveryStore deliveries, TimeProvider time, CancellationToken cancellationToken)
    {
        var delivery = await deliveries.GetAsync(deliveryId, cancellationToken);
        if (delivery is null || !user.CanAccess(delivery.AuthorityId) || delivery.Channel != ChannelNames.Paper)
        {
            return AccessGuard.DeliveryNotFound(deliveryId);
        }
        if (!DateOnly.TryParseExact(request.PostedOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var postedOn))
        {
            return Problems.Validation("postedOn", "Indiquez la date de dépôt au format AAAA-MM-JJ.");
        }
        var now = time.GetUtcNow();
        if (postedOn > ParisTime.ToParisDate(now))
        {
            return Problems.Validation("postedOn", "La date de dépôt ne peut pas être dans le futur.");
        }
        if (postedOn < ParisTime.ToParisDate(delivery.CreatedAt))
        {
            return Problems.Validation("postedOn", $"La date de dépôt ne peut pas précéder la création de ce courrier ({French.ShortDate(ParisTime.ToParisDate(delivery.CreatedAt))}).");
        }
        if (delivery.Status == DeliveryStatus.Sent)
        {
            return Problems.Conflict("already-posted", "Ce courrier est déjà enregistré comme posté.");
        }
        var postedAt = ParisTime.ToInstant(postedOn.ToDateTime(TimeOnly.MinValue));
        await deliveries.MarkPostedAsync(delivery, postedAt, user.Identity?.Name ?? "?", now);
        return Results.Ok(ConvocationEndpoints.ToResponse((await deliveries.GetAsync(deliveryId, cancellationToken))!));
    }
}
