using System.Globalization;
using System.Net;
using System.Text.Json;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// Twilio answered a request with an error status. The channel never lets it out: <see cref="TwilioFailureClassifier"/>
/// wraps it in the contract's permanent or transient exception, where it stays as the inner exception.
/// </summary>
public sealed class TwilioApiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TwilioApiException() { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    public TwilioApiException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public TwilioApiException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for an HTTP answer.</summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="errorCode">Twilio's error code (<c>code</c>), when the body carried one.</param>
    /// <param name="twilioMessage">Twilio's error message (<c>message</c>), when the body carried one.</param>
    /// <param name="moreInfo">Twilio's documentation link (<c>more_info</c>), when the body carried one.</param>
    /// <param name="retryAfter">The wait the <c>Retry-After</c> header asked for, when present.</param>
    public TwilioApiException(HttpStatusCode statusCode, int? errorCode, string? twilioMessage, string? moreInfo, TimeSpan? retryAfter = null)
        : base(Describe(statusCode, errorCode, twilioMessage, moreInfo))
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
        TwilioMessage = twilioMessage;
        MoreInfo = moreInfo;
        RetryAfter = retryAfter;
    }

    /// <summary>The HTTP status Twilio answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Twilio's error code, for example 21211 (invalid <c>To</c>).</summary>
    public int? ErrorCode { get; }

    /// <summary>Twilio's error message.</summary>
    public string? TwilioMessage { get; }

    /// <summary>Twilio's documentation link for the error.</summary>
    public string? MoreInfo { get; }

    /// <summary>How long Twilio asked to wait (<c>Retry-After</c>), when it said so.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>
    /// Builds the exception from an error answer: Twilio's JSON body <c>{code, message, more_info, status}</c> when it
    /// is one, the bare status otherwise (a proxy's HTML page, an empty body).
    /// </summary>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="body">The response body.</param>
    /// <param name="retryAfter">The wait the <c>Retry-After</c> header asked for, when present.</param>
    /// <returns>The exception.</returns>
    public static TwilioApiException FromResponse(HttpStatusCode statusCode, string? body, TimeSpan? retryAfter = null)
    {
        int? code = null;
        string? message = null;
        string? moreInfo = null;
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.ValueKind == JsonValueKind.Object)
                {
                    code = ReadInt(json.RootElement, "code");
                    message = ReadString(json.RootElement, "message");
                    moreInfo = ReadString(json.RootElement, "more_info");
                }
            }
            catch (JsonException)
            {
                // Not Twilio's JSON (a proxy or load balancer answered): the status alone decides.
            }
        }

        return new TwilioApiException(statusCode, code, message, moreInfo, retryAfter);
    }

    private static int? ReadInt(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt32(out var n) => n,
            JsonValueKind.String when int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        } : null;

    private static string? ReadString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Describe(HttpStatusCode statusCode, int? errorCode, string? twilioMessage, string? moreInfo)
    {
        var text = errorCode is { } code
            ? string.Create(CultureInfo.InvariantCulture, $"Twilio error {code} (HTTP {(int)statusCode})")
            : string.Create(CultureInfo.InvariantCulture, $"Twilio answered HTTP {(int)statusCode}");
        if (!string.IsNullOrWhiteSpace(twilioMessage))
        {
            text += ": " + twilioMessage;
        }

        return string.IsNullOrWhiteSpace(moreInfo) ? text : $"{text} ({moreInfo})";
    }
}
