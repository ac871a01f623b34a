using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using IntegrationHub.Plugins.Channels;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// Sends one SMS per <see cref="OutboundMessage"/> through Twilio's Messages API
/// (<c>POST {baseUrl}/2010-04-01/Accounts/{AccountSid}/Messages.json</c>).
/// </summary>
/// <remarks>
/// The body is <see cref="OutboundMessage.ShortText"/> when set, else <see cref="OutboundMessage.TextBody"/>. Nothing is
/// sent when the recipient's mobile is not a valid E.164 number or the body needs more than <see cref="MaxSegments"/>
/// SMS parts. Twilio has no idempotency key for sends: the delivery's key travels in the
/// <see cref="IdempotencyHeader"/> header (kept out of the SMS) and a crash between Twilio's answer and the hub
/// recording it can send the SMS twice.
/// </remarks>
public sealed class TwilioSmsChannel : IChannel
{
    /// <summary>The channel kind.</summary>
    public const string ChannelKind = "sms";

    /// <summary>The most SMS parts one message may take; the hub writes <see cref="OutboundMessage.ShortText"/> to fit.</summary>
    public const int MaxSegments = 2;

    /// <summary>The header carrying the delivery's idempotency key (Twilio's own name for its webhooks' idempotency token).</summary>
    public const string IdempotencyHeader = "I-Twilio-Idempotency-Token";

    private readonly TwilioAccount _account;
    private readonly Uri _statusCallback;
    private readonly Func<HttpClient> _httpClient;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<TwilioSmsChannel> _logger;

    internal TwilioSmsChannel(TwilioAccount account, Uri statusCallback, Func<HttpClient> httpClient, TimeProvider timeProvider, ILogger<TwilioSmsChannel> logger)
    {
        _account = account;
        _statusCallback = statusCallback;
        _httpClient = httpClient;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Kind => ChannelKind;

    /// <summary>The URL given to Twilio as <c>StatusCallback</c>: <c>{Hub:PublicBaseUrl}hooks/twilio/status</c>.</summary>
    public Uri StatusCallback => _statusCallback;

    /// <inheritdoc />
    /// <remarks>
    /// The receipt holds the message SID (<c>SM…</c>) and Twilio's initial status with the HTTP status, for example
    /// <c>queued 201</c> (<c>accepted 201</c> with a Messaging Service).
    /// </remarks>
    public async Task<DeliveryReceipt> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrWhiteSpace(message.Recipient.Mobile))
        {
            throw new PermanentDeliveryException("The recipient has no mobile number.");
        }

        var to = MobileNumber.ToE164(message.Recipient.Mobile) ?? throw new PermanentDeliveryException(
            $"The recipient's mobile number '{message.Recipient.Mobile}' is not a valid international (E.164) number.") { AddressRejected = true };
        var body = SmsSegments.ToGsm7(string.IsNullOrWhiteSpace(message.ShortText) ? message.TextBody : message.ShortText);
        if (string.IsNullOrWhiteSpace(body))
        {
            throw new PermanentDeliveryException("The message has no text to send by SMS.");
        }

        var segments = SmsSegments.Count(body);
        if (segments > MaxSegments)
        {
            throw new PermanentDeliveryException(string.Create(CultureInfo.InvariantCulture,
                $"The SMS text needs {segments} parts ({body.Length} characters, {(SmsSegments.IsGsm7(body) ? "GSM-7" : "UCS-2")}); at most {MaxSegments} are sent. Shorten ShortText."));
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await PostAsync(message.IdempotencyKey, to, body, segments, cancellationToken);
        }
        catch (Exception exception) when (TwilioFailureClassifier.Classify(exception, cancellationToken) is { } mapped)
        {
            throw mapped;
        }
    }

    private async Task<DeliveryReceipt> PostAsync(string idempotencyKey, string to, string body, int segments, CancellationToken cancellationToken)
    {
        var form = new List<KeyValuePair<string, string>> { new("To", to) };
        if (_account.From is not null)
        {
            form.Add(new("From", _account.From));
        }

        if (_account.MessagingServiceSid is not null)
        {
            form.Add(new("MessagingServiceSid", _account.MessagingServiceSid));
        }

        form.Add(new("Body", body));
        form.Add(new("StatusCallback", _statusCallback.AbsoluteUri));

        using var request = new HttpRequestMessage(HttpMethod.Post, _account.MessagesUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Authorization = _account.Authorization;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.TryAddWithoutValidation(IdempotencyHeader, idempotencyKey);

        using var response = await _httpClient().SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = await response.Content.ReadAsStringAsync(cancellationToken);
            throw TwilioApiException.FromResponse(response.StatusCode, error, RetryAfter(response));
        }

        // Twilio has taken the message: from here on the caller's cancellation no longer applies (IChannel contract).
        var answer = await response.Content.ReadAsStringAsync(CancellationToken.None);
        var (sid, status) = ReadMessageResource(answer);
        if (sid is null)
        {
            throw new TwilioApiException(response.StatusCode, null, "the answer carries no message sid", null);
        }

        var responseText = string.Create(CultureInfo.InvariantCulture, $"{status ?? "unknown"} {(int)response.StatusCode}");
        // Debug: the hub logs each delivery sent once, at Information, with this sid (DeliveryJob). With this line and
        // HttpClient's four, an SMS made six lines, and logging 3.4–3.8 % of the hub's CPU in a dispatch (bench/README.md).
        _logger.LogDebug("Twilio took delivery {IdempotencyKey} as {MessageSid} ({Status}, {Segments} part(s))",
            idempotencyKey, sid, responseText, segments);
        return new DeliveryReceipt(sid, responseText);
    }

    private static (string? Sid, string? Status) ReadMessageResource(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            var sid = root.TryGetProperty("sid", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            var status = root.TryGetProperty("status", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return (string.IsNullOrWhiteSpace(sid) ? null : sid, status);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _timeProvider.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };
}
