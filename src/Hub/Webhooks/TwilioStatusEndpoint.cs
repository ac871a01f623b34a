using IntegrationHub.ConnectorInstances;
using IntegrationHub.Connectors.Twilio;
using IntegrationHub.Convocations;
using IntegrationHub.Dispatch;

namespace IntegrationHub.Webhooks;

/// <summary>
/// Twilio's delivery reports (<c>StatusCallback</c>). The request is authenticated by its <c>X-Twilio-Signature</c>,
/// computed with the auth token of the authority whose connector sent the message, over the exact URL the hub gave
/// Twilio (<c>Hub:PublicBaseUrl</c> + path + query). Anything that does not verify gets 403 and changes nothing.
/// </summary>
public static class TwilioStatusEndpoint
{
    public const string Path = "/hooks/twilio/status";

    public static void MapTwilioStatusEndpoint(this IEndpointRouteBuilder app) =>
        app.MapPost(Path, HandleAsync).ExcludeFromDescription().DisableAntiforgery().AllowAnonymous();

    private static async Task<IResult> HandleAsync(
        HttpRequest request, DeliveryStore deliveries, ConnectorStore connectors, ConnectorSecrets secrets, MemberLinks links, TimeProvider time,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(TwilioStatusEndpoint).FullName!);
        if (!request.HasFormContentType)
        {
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }
        var form = await request.ReadFormAsync(cancellationToken);
        var sid = form["MessageSid"].ToString();
        var status = form["MessageStatus"].ToString();
        var delivery = sid.Length > 0 ? await deliveries.FindByProviderIdAsync(sid, cancellationToken) : null;
        var instance = delivery is null ? null : await connectors.GetAsync(delivery.AuthorityId, delivery.Channel, cancellationToken);
        var authToken = instance is null ? null : secrets.ToSettings(instance).GetSecret("authToken");
        var url = new Uri(links.BaseUrl, Path.TrimStart('/')) + request.QueryString.Value;
        var parameters = form.Select(f => new KeyValuePair<string, string>(f.Key, f.Value.ToString()));
        if (delivery is null || authToken is null || !TwilioSignature.IsValid(authToken, url, parameters, request.Headers["X-Twilio-Signature"].ToString()))
        {
            logger.LogWarning("Rejected a Twilio status callback for {MessageSid}: unknown message or signature not valid", sid);
            return Results.StatusCode(StatusCodes.Status403Forbidden);
        }

        var errorCode = form["ErrorCode"].ToString();
        var detail = string.IsNullOrEmpty(errorCode) ? $"twilio {status}" : $"twilio {status} (error {errorCode})";
        var target = status switch
        {
            "delivered" => DeliveryStatus.Delivered,
            "undelivered" or "failed" => DeliveryStatus.Failed,
            _ => null,
        };
        var changed = await deliveries.ApplyReportAsync(delivery, target ?? status, detail, time.GetUtcNow());
        logger.LogInformation("Twilio reported {Status} for delivery {DeliveryId} ({Changed})", status, delivery.Id, changed ? "applied" : "kept");
        return Results.NoContent();
    }
}
