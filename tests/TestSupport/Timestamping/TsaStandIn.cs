using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IntegrationHub.Connectors.Timestamping;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.TestSupport.Timestamping;

/// <summary>What <see cref="TsaStandIn"/> answers to a time-stamp query.</summary>
public enum TsaBehaviour
{
    /// <summary>A granted TimeStampResp from <see cref="TimestampIssuer.Respond"/>.</summary>
    Grant,

    /// <summary>HTTP 503 Service Unavailable.</summary>
    Unavailable,

    /// <summary>HTTP 200 with a TimeStampResp of status rejection (2), failInfo systemFailure.</summary>
    Reject,

    /// <summary>HTTP 200, <c>application/timestamp-reply</c>, with bytes that are no TimeStampResp.</summary>
    Garbage,

    /// <summary>A granted response whose token carries another nonce than the query's.</summary>
    WrongNonce,

    /// <summary>A granted response whose token stamps another digest than the query's.</summary>
    OtherDigest,

    /// <summary>Never answers: the client's timeout (or the stand-in stopping) ends the query.</summary>
    Hang,
}

/// <summary>
/// A real RFC 3161 TSA over HTTP on 127.0.0.1 (Kestrel): <c>POST /tsa</c> with <c>application/timestamp-query</c>,
/// answered by <see cref="TimestampIssuer"/> with a root and signing certificate of its own, or made to fail on demand.
/// </summary>
public sealed class TsaStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private int _requests;

    private TsaStandIn(WebApplication app, X509Certificate2 root, X509Certificate2 signer, TimestampIssuer issuer)
    {
        _app = app;
        Root = root;
        Signer = signer;
        Issuer = issuer;
    }

    /// <summary>The TSA's root (with its private key).</summary>
    public X509Certificate2 Root { get; }

    /// <summary>The TSA's signing certificate (with its private key).</summary>
    public X509Certificate2 Signer { get; }

    public TimestampIssuer Issuer { get; }

    /// <summary>The chain as a TSA publishes it: signing certificate, then root.</summary>
    public string ChainPem => TimestampCertificates.ToPem([Signer, Root]);

    /// <summary>The query URL, e.g. <c>http://127.0.0.1:41234/tsa</c>.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>What the next queries get.</summary>
    public TsaBehaviour Behaviour { get; set; } = TsaBehaviour.Grant;

    /// <summary>When set, queries without these HTTP Basic credentials get 401.</summary>
    public (string UserName, string Password)? RequiredCredentials { get; set; }

    /// <summary>How many queries arrived (authenticated or not).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The body of the last query.</summary>
    public byte[]? LastQuery { get; private set; }

    /// <summary>Starts a TSA on a port the OS picks, with certificates valid from a day before <paramref name="time"/>'s now for ten years.</summary>
    public static async Task<TsaStandIn> StartAsync(TimeProvider? time = null, string? policyOid = null)
    {
        time ??= TimeProvider.System;
        var now = time.GetUtcNow();
        var root = TimestampCertificates.CreateRoot("Racine de l'autorité d'horodatage de test", now.AddDays(-1), now.AddYears(10));
        var signer = TimestampCertificates.CreateSigningCertificate(root, "Autorité d'horodatage de test", now.AddDays(-1), now.AddYears(5));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new TsaStandIn(app, root, signer, new TimestampIssuer(signer, time, policyOid));
        app.MapPost("/tsa", (Func<HttpContext, Task<IResult>>)standIn.AnswerAsync);
        await app.StartAsync();
        var address = app.Urls.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
        standIn.Url = new Uri(address.TrimEnd('/') + "/tsa", UriKind.Absolute);
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Root.Dispose();
        Signer.Dispose();
        _stopping.Dispose();
    }

    private async Task<IResult> AnswerAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        var query = body.ToArray();
        LastQuery = query;

        if (RequiredCredentials is { } credentials)
        {
            var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}"));
            if (!string.Equals(context.Request.Headers.Authorization.ToString(), expected, StringComparison.Ordinal))
            {
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"TSA\"";
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }
        }

        if (context.Request.ContentType != "application/timestamp-query")
        {
            return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
        }

        if (Behaviour == TsaBehaviour.Hang)
        {
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

        return Behaviour switch
        {
            TsaBehaviour.Unavailable => Results.StatusCode(StatusCodes.Status503ServiceUnavailable),
            TsaBehaviour.Reject => Reply(TimestampIssuer.Rejection(TimestampFailures.SystemFailure, "Service en maintenance")),
            TsaBehaviour.Garbage => Reply("<html>Proxy error</html>"u8.ToArray()),
            TsaBehaviour.WrongNonce => Reply(GrantWith(query, otherNonce: true)),
            TsaBehaviour.OtherDigest => Reply(GrantWith(query, otherNonce: false)),
            _ => Reply(Issuer.Respond(query)),
        };
    }

    private byte[] GrantWith(byte[] query, bool otherNonce)
    {
        var request = Rfc3161TimestampRequest.TryDecode(query, out var decoded, out _) ? decoded : throw new InvalidOperationException("Not a TimeStampReq.");
        var hash = otherNonce ? request.GetMessageHash() : RandomNumberGenerator.GetBytes(SHA256.HashSizeInBytes);
        var nonce = otherNonce ? RandomNumberGenerator.GetBytes(8) : request.GetNonce();
        return TimestampIssuer.Granted(Issuer.Issue(hash, nonce).Der.Span);
    }

    private static IResult Reply(byte[] response) => Results.Bytes(response, "application/timestamp-reply");
}
