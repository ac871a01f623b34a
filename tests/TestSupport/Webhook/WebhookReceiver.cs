using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.TestSupport.Webhook;

/// <summary>
/// A webhook endpoint on 127.0.0.1 (real Kestrel, any free port): records every request, checks
/// <c>X-Hub-Signature-256</c> against its key (401 when wrong), and can fail the next requests with a chosen status.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedWebhook> _requests = [];
    private int _failStatus;
    private int _failRemaining;
    private TimeSpan? _failRetryAfter;

    private WebhookReceiver(WebApplication app, string signingKey)
    {
        _app = app;
        SigningKey = signingKey;
        _app.Run(HandleAsync);
    }

    /// <summary>The key requests must be signed with.</summary>
    public string SigningKey { get; }

    /// <summary>The endpoint to post to, for example <c>http://127.0.0.1:41234/hook</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>Every request received, in order, whatever was answered.</summary>
    public IReadOnlyList<ReceivedWebhook> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The requests answered with 2xx.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => [.. Requests.Where(r => r.StatusCode is >= 200 and < 300)];

    public static async Task<WebhookReceiver> StartAsync(string signingKey)
    {
        var builder = WebApplication.CreateSlimBuilder();
        // The test's output folder may hold the hub's appsettings.json (Urls, AllowedHosts): the receiver ignores it.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var receiver = new WebhookReceiver(builder.Build(), signingKey);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    /// <summary>Answers 200 to every correctly signed request from now on.</summary>
    public void Accept()
    {
        lock (_gate)
        {
            _failRemaining = 0;
        }
    }

    /// <summary>Answers <paramref name="statusCode"/> to the next <paramref name="count"/> requests, then accepts again.</summary>
    public void FailNext(int statusCode, int count = 1, TimeSpan? retryAfter = null)
    {
        lock (_gate)
        {
            _failStatus = statusCode;
            _failRemaining = count;
            _failRetryAfter = retryAfter;
        }
    }

    /// <summary>Whether <paramref name="signatureHeader"/> is <c>sha256=&lt;hex HMAC-SHA256 of body&gt;</c> under <paramref name="signingKey"/>.</summary>
    public static bool IsValidSignature(ReadOnlySpan<byte> body, string? signatureHeader, string signingKey)
    {
        const string Prefix = "sha256=";
        if (signatureHeader is null || !signatureHeader.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }
        byte[] given;
        try
        {
            given = Convert.FromHexString(signatureHeader.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingKey), body);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var signatureValid = IsValidSignature(body, headers.GetValueOrDefault("X-Hub-Signature-256"), SigningKey);

        int status;
        TimeSpan? retryAfter = null;
        lock (_gate)
        {
            if (_failRemaining > 0)
            {
                _failRemaining--;
                status = _failStatus;
                retryAfter = _failRetryAfter;
            }
            else
            {
                status = signatureValid ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized;
            }
            _requests.Add(new ReceivedWebhook(context.Request.Method, context.Request.Path.Value ?? "/", headers, body, signatureValid, status));
        }

        context.Response.StatusCode = status;
        if (retryAfter is { } delay)
        {
            context.Response.Headers.RetryAfter = ((int)delay.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        await context.Response.WriteAsync(status switch
        {
            StatusCodes.Status200OK => """{"status":"received"}""",
            StatusCodes.Status401Unauthorized => """{"error":"invalid signature"}""",
            _ => $$"""{"error":"simulated {{status}}"}""",
        }, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One request as the receiver saw it.</summary>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path.</param>
/// <param name="Headers">Headers, case-insensitive, multiple values joined with commas.</param>
/// <param name="RawBody">The body exactly as received (what the signature covers).</param>
/// <param name="SignatureValid">Whether <c>X-Hub-Signature-256</c> matched the body.</param>
/// <param name="StatusCode">What the receiver answered.</param>
public sealed record ReceivedWebhook(
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    ReadOnlyMemory<byte> RawBody,
    bool SignatureValid,
    int StatusCode)
{
    public string BodyText => Encoding.UTF8.GetString(RawBody.Span);

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    /// <summary>The body parsed as JSON.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(RawBody);
        return document.RootElement.Clone();
    }
}
