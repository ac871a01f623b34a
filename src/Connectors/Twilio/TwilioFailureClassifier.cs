using System.Net;
using IntegrationHub.Plugins.Channels;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// Maps what a send to Twilio throws to the channel contract: the single place where a failure is judged permanent
/// or transient.
/// </summary>
internal static class TwilioFailureClassifier
{
    /// <summary>
    /// The contract exception to throw instead of <paramref name="exception"/> (wrapping it), or null when
    /// <paramref name="exception"/> must propagate unchanged: the caller's cancellation, contract exceptions, and
    /// anything unknown (the hub treats unknown exceptions as transient, and keeping the original type keeps bugs
    /// visible).
    /// </summary>
    public static Exception? Classify(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        PermanentDeliveryException or TransientDeliveryException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,

        // Throttled: Twilio says when to come back (Retry-After); the hub schedules the retry.
        TwilioApiException { StatusCode: HttpStatusCode.TooManyRequests } e =>
            new TransientDeliveryException($"Twilio throttled the request: {e.Message}", e) { RetryAfter = e.RetryAfter },
        TwilioApiException { StatusCode: HttpStatusCode.RequestTimeout } e =>
            new TransientDeliveryException($"Twilio timed out reading the request: {e.Message}", e) { RetryAfter = e.RetryAfter },
        TwilioApiException { StatusCode: >= HttpStatusCode.InternalServerError } e =>
            new TransientDeliveryException($"Twilio is failing or unavailable: {e.Message}", e) { RetryAfter = e.RetryAfter },

        // Retrying with the same settings cannot succeed: someone has to fix the account SID or the token.
        TwilioApiException { StatusCode: HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden } e =>
            new PermanentDeliveryException($"Twilio rejected the configured credentials: {e.Message}", e),

        // The member's number itself is refused: 21211 invalid To, 21610 unsubscribed (STOP), 21612 unroutable,
        // 21614 not a mobile, 21635 landline. The hub flags the number for the secretariat.
        TwilioApiException { ErrorCode: 21211 or 21610 or 21612 or 21614 or 21635 } e =>
            new PermanentDeliveryException($"Twilio refused the recipient's number: {e.Message}", e) { AddressRejected = true },
        // Other 21xxx: the message or the account's settings are refused (21408 region not enabled, 21606 From not
        // SMS-capable, 21608 trial account…). The code is in the message.
        TwilioApiException { ErrorCode: >= 21000 and < 22000 } e =>
            new PermanentDeliveryException($"Twilio refused the message: {e.Message}", e),
        TwilioApiException { StatusCode: >= HttpStatusCode.BadRequest } e =>
            new PermanentDeliveryException($"Twilio refused the request: {e.Message}", e),
        // A redirect, or a success without a message resource: baseUrl points at something that is not Twilio's API.
        // Never transient: if a 2xx did create a message, a retry would send it twice.
        TwilioApiException e =>
            new PermanentDeliveryException($"Unexpected answer from Twilio (check baseUrl): {e.Message}", e),

        HttpRequestException or IOException or TimeoutException =>
            new TransientDeliveryException($"Twilio unreachable or connection lost: {exception.Message}", exception),
        // Cancelled without the caller asking: HttpClient.Timeout elapsed.
        OperationCanceledException =>
            new TransientDeliveryException("The request to Twilio timed out.", exception),

        _ => null,
    };
}
