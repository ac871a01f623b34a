using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.TestSupport.Twilio;

/// <summary>
/// A stand-in for Twilio's Programmable Messaging REST API on 127.0.0.1 (Kestrel), answering with the wire shapes of
/// INTEGRATIONS.md §3: Basic authentication, <c>POST Accounts/{sid}/Messages.json</c> (form fields checked, 201 with a
/// message resource or Twilio's JSON error), <c>GET Accounts/{sid}.json</c>, and signed status callbacks towards the hub.
/// </summary>
public sealed partial class TwilioStandIn : IAsyncDisposable
{
    public const string DefaultAccountSid = "AC0123456789abcdef0123456789abcdef";
    public const string DefaultAuthToken = "f00dcafe0123456789abcdef01234567";
    public const string ApiVersion = "2010-04-01";

    private readonly WebApplication _app;
    private readonly TimeProvider _timeProvider;
    private readonly HttpClient _callbackClient = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly List<TwilioRecordedMessage> _messages = [];
    private TwilioBehaviour _behaviour = TwilioBehaviour.Accept;
    private int _behaviourRemaining;
    private int _messageRequests;

    private TwilioStandIn(WebApplication app, string accountSid, string authToken, TimeProvider timeProvider)
    {
        _app = app;
        AccountSid = accountSid;
        AuthToken = authToken;
        _timeProvider = timeProvider;
    }

    /// <summary>The account SID the stand-in accepts (in the path and in Basic authentication).</summary>
    public string AccountSid { get; }

    /// <summary>The auth token the stand-in accepts.</summary>
    public string AuthToken { get; }

    /// <summary>The base URL to configure as the connector's <c>baseUrl</c>, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The account's <c>status</c> in <c>GET Accounts/{sid}.json</c>: <c>active</c>, <c>suspended</c> or <c>closed</c>.</summary>
    public string AccountStatus { get; set; } = "active";

    /// <summary>Every message the stand-in accepted (201), in order.</summary>
    public IReadOnlyList<TwilioRecordedMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return [.. _messages];
            }
        }
    }

    /// <summary>How many authenticated <c>POST Messages.json</c> requests arrived, accepted or not.</summary>
    public int MessageRequests => Volatile.Read(ref _messageRequests);

    /// <summary>Starts a stand-in on a port the OS picks on 127.0.0.1.</summary>
    public static async Task<TwilioStandIn> StartAsync(
        string accountSid = DefaultAccountSid,
        string authToken = DefaultAuthToken,
        TimeProvider? timeProvider = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new TwilioStandIn(app, accountSid, authToken, timeProvider ?? TimeProvider.System);
        standIn.MapRoutes();
        await app.StartAsync();
        BaseUrlFrom(standIn, app);
        return standIn;
    }

    /// <summary>
    /// What the stand-in does with the next <paramref name="times"/> message requests (all of them when omitted); after
    /// that it accepts again.
    /// </summary>
    public void Arrange(TwilioBehaviour behaviour, int times = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(behaviour);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            _behaviour = behaviour;
            _behaviourRemaining = times;
        }
    }

    /// <summary>
    /// POSTs a Twilio-shaped status callback for message <paramref name="sid"/> to <paramref name="hubUrl"/>, signed with
    /// <c>X-Twilio-Signature</c> computed with <paramref name="authToken"/> (pass a wrong token to send a forged one).
    /// </summary>
    /// <param name="hubUrl">The StatusCallback URL, exactly as the connector gave it to Twilio.</param>
    /// <param name="sid">A message the stand-in accepted.</param>
    /// <param name="status">The <c>MessageStatus</c>: <c>sent</c>, <c>delivered</c>, <c>undelivered</c>, <c>failed</c>…</param>
    /// <param name="authToken">The token to sign with.</param>
    /// <param name="errorCode">The <c>ErrorCode</c> (30xxx) for <c>failed</c>/<c>undelivered</c>.</param>
    /// <param name="extraParameters">Further parameters, as Twilio adds new ones without notice.</param>
    /// <param name="cancellationToken">Cancels the callback.</param>
    /// <returns>The hub's HTTP status.</returns>
    public async Task<HttpStatusCode> SendStatusCallbackAsync(
        Uri hubUrl,
        string sid,
        string status,
        string authToken,
        string? errorCode = null,
        IEnumerable<KeyValuePair<string, string>>? extraParameters = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hubUrl);
        var message = Messages.FirstOrDefault(m => m.Sid == sid)
            ?? throw new InvalidOperationException($"The stand-in accepted no message {sid}.");
        var form = new List<KeyValuePair<string, string>>
        {
            new("MessageSid", sid),
            new("SmsSid", sid),
            new("AccountSid", AccountSid),
            new("From", message.Field("From") ?? "+15005550006"),
            new("To", message.To),
            new("MessageStatus", status),
            new("SmsStatus", status),
            new("ApiVersion", ApiVersion),
        };
        if (message.Field("MessagingServiceSid") is { } service)
        {
            form.Add(new("MessagingServiceSid", service));
        }

        if (errorCode is not null)
        {
            form.Add(new("ErrorCode", errorCode));
        }

        if (status is "delivered" or "undelivered")
        {
            form.Add(new("RawDlrDoneDate", _timeProvider.GetUtcNow().ToString("yyMMddHHmm", CultureInfo.InvariantCulture)));
        }

        form.AddRange(extraParameters ?? []);

        using var request = new HttpRequestMessage(HttpMethod.Post, hubUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.TryAddWithoutValidation("X-Twilio-Signature", Sign(authToken, hubUrl.AbsoluteUri, form));
        request.Headers.TryAddWithoutValidation("User-Agent", "TwilioProxy/1.1");
        using var response = await _callbackClient.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _callbackClient.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Twilio's request signature, written independently of the connector's so each checks the other.</summary>
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "Twilio signs with HMAC-SHA1.")]
    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var data = new StringBuilder(url);
        foreach (var name in form.Select(p => p.Key).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            foreach (var value in form.Where(p => p.Key == name).Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(name).Append(value);
            }
        }

        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
    }

    private static void BaseUrlFrom(TwilioStandIn standIn, WebApplication app)
    {
        var address = app.Urls.Single();
        standIn.BaseUrl = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal), UriKind.Absolute);
    }

    private void MapRoutes()
    {
        _app.MapPost($"/{ApiVersion}/Accounts/{{sid}}/Messages.json", CreateMessageAsync);
        _app.MapGet($"/{ApiVersion}/Accounts/{{sid}}.json", FetchAccount);
        _app.MapFallback(() => Error(HttpStatusCode.NotFound, 20404, "The requested resource was not found"));
    }

    private IResult FetchAccount(HttpContext context, string sid)
    {
        if (Authenticate(context, sid) is { } refusal)
        {
            return refusal;
        }

        var now = Rfc1123(_timeProvider.GetUtcNow());
        return Results.Json(new Dictionary<string, object?>
        {
            ["sid"] = AccountSid,
            ["owner_account_sid"] = AccountSid,
            ["friendly_name"] = "Compte de test",
            ["status"] = AccountStatus,
            ["type"] = "Full",
            ["date_created"] = now,
            ["date_updated"] = now,
            ["uri"] = $"/{ApiVersion}/Accounts/{AccountSid}.json",
        });
    }

    private async Task<IResult> CreateMessageAsync(HttpContext context, string sid)
    {
        if (Authenticate(context, sid) is { } refusal)
        {
            return refusal;
        }

        Interlocked.Increment(ref _messageRequests);
        var behaviour = NextBehaviour();
        if (behaviour.Hangs)
        {
            // Never answers: the client's timeout (or the stand-in stopping) ends the request.
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, ended.Token);
            }
            catch (OperationCanceledException)
            {
            }

            return Results.Empty;
        }

        if (behaviour.Status is { } failStatus)
        {
            if (behaviour.RetryAfter is { } retryAfter)
            {
                context.Response.Headers.RetryAfter = retryAfter;
            }

            return Error((HttpStatusCode)failStatus, behaviour.Code ?? 20001, behaviour.Message ?? $"Stand-in failure {behaviour.Code}");
        }

        if (!context.Request.HasFormContentType)
        {
            return Error(HttpStatusCode.BadRequest, 20001, "Request body must be application/x-www-form-urlencoded");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var fields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        var to = fields.GetValueOrDefault("To");
        var from = fields.GetValueOrDefault("From");
        var service = fields.GetValueOrDefault("MessagingServiceSid");
        var body = fields.GetValueOrDefault("Body");
        if (string.IsNullOrEmpty(to))
        {
            return Error(HttpStatusCode.BadRequest, 21604, "A 'To' phone number is required.");
        }

        if (!E164().IsMatch(to))
        {
            return Error(HttpStatusCode.BadRequest, 21211, $"Invalid 'To' Phone Number: {to}");
        }

        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(service))
        {
            return Error(HttpStatusCode.BadRequest, 21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message");
        }

        if (string.IsNullOrEmpty(body))
        {
            return Error(HttpStatusCode.BadRequest, 21602, "Message body is required.");
        }

        if (body.Length > 1600)
        {
            return Error(HttpStatusCode.BadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.");
        }

        var messageSid = "SM" + Guid.NewGuid().ToString("N");
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var status = string.IsNullOrEmpty(service) ? "queued" : "accepted";
        lock (_gate)
        {
            _messages.Add(new TwilioRecordedMessage(messageSid, fields, headers));
        }

        var now = Rfc1123(_timeProvider.GetUtcNow());
        var uri = $"/{ApiVersion}/Accounts/{AccountSid}/Messages/{messageSid}";
        return Results.Json(new Dictionary<string, object?>
        {
            ["account_sid"] = AccountSid,
            ["api_version"] = ApiVersion,
            ["body"] = body,
            ["date_created"] = now,
            ["date_sent"] = null,
            ["date_updated"] = now,
            ["direction"] = "outbound-api",
            ["error_code"] = null,
            ["error_message"] = null,
            ["from"] = string.IsNullOrEmpty(from) ? null : from,
            ["messaging_service_sid"] = string.IsNullOrEmpty(service) ? null : service,
            ["num_media"] = "0",
            ["num_segments"] = Segments(body).ToString(CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["sid"] = messageSid,
            ["status"] = status,
            ["subresource_uris"] = new Dictionary<string, string> { ["media"] = $"{uri}/Media.json" },
            ["to"] = to,
            ["uri"] = $"{uri}.json",
        }, statusCode: StatusCodes.Status201Created);
    }

    private IResult? Authenticate(HttpContext context, string pathSid)
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}"));
        if (!string.Equals(context.Request.Headers.Authorization.ToString(), expected, StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
            return Error(HttpStatusCode.Unauthorized, 20003, "Authentication Error - invalid username");
        }

        var sid = pathSid.EndsWith(".json", StringComparison.Ordinal) ? pathSid[..^5] : pathSid;
        return sid == AccountSid ? null : Error(HttpStatusCode.NotFound, 20404, $"The requested resource /{ApiVersion}/Accounts/{sid} was not found");
    }

    private TwilioBehaviour NextBehaviour()
    {
        lock (_gate)
        {
            var current = _behaviour;
            if (_behaviourRemaining != int.MaxValue && --_behaviourRemaining == 0)
            {
                _behaviour = TwilioBehaviour.Accept;
            }

            return current;
        }
    }

    private static IResult Error(HttpStatusCode status, int code, string message) => Results.Json(
        new Dictionary<string, object>
        {
            ["code"] = code,
            ["message"] = message,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
            ["status"] = (int)status,
        },
        statusCode: (int)status);

    private static string Rfc1123(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    // A rough count for num_segments (Twilio reports it; the connector computes its own and never reads this one).
    private static int Segments(string body)
    {
        const string gsm = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        const string extension = "\f^{}\\[~]|€";
        if (body.All(c => gsm.Contains(c, StringComparison.Ordinal) || extension.Contains(c, StringComparison.Ordinal)))
        {
            var septets = body.Sum(c => extension.Contains(c, StringComparison.Ordinal) ? 2 : 1);
            return septets <= 160 ? 1 : (septets + 152) / 153;
        }

        return body.Length <= 70 ? 1 : (body.Length + 66) / 67;
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}

/// <summary>What <see cref="TwilioStandIn"/> does with a message request.</summary>
public sealed record TwilioBehaviour
{
    private TwilioBehaviour(int? status, int? code, string? retryAfter, string? message, bool hangs)
    {
        Status = status;
        Code = code;
        RetryAfter = retryAfter;
        Message = message;
        Hangs = hangs;
    }

    /// <summary>Accept the message (201), as long as its fields are valid.</summary>
    public static TwilioBehaviour Accept { get; } = new(null, null, null, null, false);

    /// <summary>Never answer: the client times out.</summary>
    public static TwilioBehaviour Hang { get; } = new(null, null, null, null, true);

    public int? Status { get; }

    public int? Code { get; }

    public string? RetryAfter { get; }

    public string? Message { get; }

    public bool Hangs { get; }

    /// <summary>Answer with Twilio's JSON error <c>{code, message, more_info, status}</c>.</summary>
    /// <param name="status">The HTTP status, e.g. 400, 429, 503.</param>
    /// <param name="code">Twilio's error code, e.g. 21211, 20429.</param>
    /// <param name="retryAfter">A raw <c>Retry-After</c> header value (seconds or an HTTP date), if any.</param>
    /// <param name="message">Twilio's message; a generic one when omitted.</param>
    public static TwilioBehaviour FailWith(int status, int code, string? retryAfter = null, string? message = null) =>
        new(status, code, retryAfter, message, false);
}

/// <summary>A message <see cref="TwilioStandIn"/> accepted, with its form fields and HTTP headers.</summary>
/// <param name="Sid">The message SID it answered with.</param>
/// <param name="Form">The form fields (<c>To</c>, <c>From</c>, <c>Body</c>, <c>StatusCallback</c>…).</param>
/// <param name="Headers">The request headers, case-insensitive.</param>
public sealed record TwilioRecordedMessage(string Sid, IReadOnlyDictionary<string, string> Form, IReadOnlyDictionary<string, string> Headers)
{
    public string To => Form["To"];

    public string Body => Form["Body"];

    /// <summary>The <c>I-Twilio-Idempotency-Token</c> header, if sent.</summary>
    public string? IdempotencyToken => Header("I-Twilio-Idempotency-Token");

    public string? Field(string name) => Form.TryGetValue(name, out var value) ? value : null;

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
