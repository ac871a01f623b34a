using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using IntegrationHub.Plugins.Channels;

namespace Example.SignedWebhook;

/// <summary>
/// POSTs the message as JSON with <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the body&gt;</c> (GitHub's
/// format), <c>X-Hub-Timestamp</c> (Unix seconds) and <c>Idempotency-Key</c>. Never retries: the hub does.
/// </summary>
internal sealed class SignedWebhookChannel(Uri url, string signingKey, TimeProvider clock) : IChannel
{
    // One client for the process (BCL only, no IHttpClientFactory needed). Redirects are not followed: a 301/302
    // would turn the POST into a GET and carry the signature to another address.
    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly byte[] _key = Encoding.UTF8.GetBytes(signingKey);

    public string Kind => "webhook";

    public async Task<DeliveryReceipt> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = JsonSerializer.SerializeToUtf8Bytes(Payload(message), Json);
        var answer = await PostAsync(body, message.IdempotencyKey, cancellationToken);
        return new DeliveryReceipt(message.IdempotencyKey, answer);
    }

    internal Task<string> PingAsync(CancellationToken cancellationToken) =>
        PostAsync(JsonSerializer.SerializeToUtf8Bytes(new { kind = "ping" }, Json), $"ping-{Guid.NewGuid():N}", cancellationToken);

    private static object Payload(OutboundMessage m) => new
    {
        m.IdempotencyKey,
        m.Kind,
        Recipient = new { m.Recipient.DisplayName, m.Recipient.Email, m.Recipient.Mobile },
        m.Subject,
        Text = m.TextBody,
        Html = m.HtmlBody,
        Calendar = m.Calendar is { } c ? new { c.Uid, c.Sequence, c.Method, c.Start, c.End, c.TimeZoneId, c.Location } : null,
    };

    private async Task<string> PostAsync(byte[] body, string idempotencyKey, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(_key, body)));
        request.Headers.Add("X-Hub-Timestamp", clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Idempotency-Key", idempotencyKey);

        HttpResponseMessage response;
        try
        {
            response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new TransientDeliveryException($"Webhook {url.GetLeftPart(UriPartial.Path)} unreachable: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientDeliveryException($"Webhook {url.GetLeftPart(UriPartial.Path)} timed out.", e);
        }

        using (response)
        {
            var answer = $"{(int)response.StatusCode} {response.ReasonPhrase} {await ReadBodyAsync(response)}".TrimEnd();
            var retryAfter = response.Headers.RetryAfter is { } after ? after.Delta ?? after.Date - clock.GetUtcNow() : null;
            return Classify(response.StatusCode, answer, retryAfter) is { } failure ? throw failure : answer;
        }
    }

    /// <summary>The one place where an HTTP answer is judged: 408/429/5xx may pass later, any other non-2xx never will.</summary>
    internal static Exception? Classify(HttpStatusCode status, string answer, TimeSpan? retryAfter = null) => (int)status switch
    {
        >= 200 and < 300 => null,
        408 or 429 or >= 500 => new TransientDeliveryException($"Webhook answered {answer}") { RetryAfter = retryAfter },
        _ => new PermanentDeliveryException($"Webhook answered {answer}"),
    };

    private async Task<string> ReadBodyAsync(HttpResponseMessage response)
    {
        // The receiver has answered, so the caller's cancellation no longer applies; but a body that never ends must
        // not hold the delivery: it is evidence, not the verdict.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), clock);
        try
        {
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            return text.Length <= 500 ? text : text[..500] + "…";
        }
        catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
        {
            return "(body not read)";
        }
    }
}
