using System.Formats.Asn1;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IntegrationHub.Plugins.Timestamping;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IntegrationHub.Connectors.Timestamping;

/// <summary>Where and how to reach an external RFC 3161 TSA. <see cref="ToString"/> never shows the password.</summary>
public sealed class HttpTimestampAuthorityOptions
{
    /// <summary>The TSA's address; requests are POSTed to it.</summary>
    public required Uri Url { get; init; }

    /// <summary>The HTTP Basic user name, when the TSA requires one.</summary>
    public string? UserName { get; init; }

    /// <summary>The HTTP Basic password.</summary>
    public string? Password { get; init; }

    /// <summary>The policy to request (<c>reqPolicy</c>); the TSA's default when <see langword="null"/>.</summary>
    public string? PolicyOid { get; init; }

    /// <summary>The TSA's published chain, signer first, DER. When it ends with a self-signed root, every token is verified against it.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> CertificateChain { get; init; } = [];

    /// <summary>Whether the DSI declared the TSA qualified (eIDAS art. 42).</summary>
    public bool IsQualified { get; init; }

    /// <summary>The name shown in evidence; by default built from the host and <see cref="IsQualified"/>.</summary>
    public string? DisplayName { get; init; }

    /// <summary>How long to wait for the whole exchange. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The URL without any user information, for messages and logs.</summary>
    internal string SafeUrl => new UriBuilder(Url) { UserName = "", Password = "" }.Uri.AbsoluteUri;

    /// <inheritdoc />
    public override string ToString() =>
        $"RFC 3161 TSA {SafeUrl}, user {UserName ?? "-"}, password {(Password is null ? "-" : "***")}, policy {PolicyOid ?? "-"}, qualified {IsQualified}";
}

/// <summary>
/// An external RFC 3161 time-stamping authority reached over HTTP (RFC 3161 §3.4): a TimeStampReq with a fresh nonce
/// POSTed as <c>application/timestamp-query</c>, optional HTTP Basic authentication, and a reply checked for its
/// status, nonce, digest and signature — and against the published chain when one is configured.
/// </summary>
/// <remarks>
/// Failures: <see cref="TimestampAuthorityUnavailableException"/> when asking later may work (unreachable, timeout,
/// HTTP 408/429/5xx); <see cref="TimestampAuthorityRefusedException"/> when the TSA refused or answered something
/// unusable. The caller owns retries; this class never loops.
/// </remarks>
public sealed class HttpTimestampAuthority : ITimestampAuthority
{
    private const int MaxResponseBytes = 256 * 1024;

    private readonly HttpTimestampAuthorityOptions _options;
    private readonly Func<HttpClient> _http;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly X509Certificate2Collection _chain;
    private readonly X509Certificate2[] _roots;

    /// <summary>Creates the authority. Opens no connection.</summary>
    /// <param name="options">Where the TSA is.</param>
    /// <param name="http">Gives the client for each request (a named <c>IHttpClientFactory</c> client, or a shared one).</param>
    /// <param name="time">The clock for the timeout.</param>
    /// <param name="logger">The logger; never given credentials.</param>
    public HttpTimestampAuthority(HttpTimestampAuthorityOptions options, Func<HttpClient> http, TimeProvider? time = null, ILogger<HttpTimestampAuthority>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        _options = options;
        _http = http;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<HttpTimestampAuthority>.Instance;
        _chain = [.. options.CertificateChain.Select(c => X509CertificateLoader.LoadCertificate(c.Span))];
        _roots = [.. _chain.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData))];
        DisplayName = options.DisplayName ?? string.Create(
            CultureInfo.InvariantCulture,
            $"Horodatage RFC 3161 de {options.Url.Host} ({(options.IsQualified ? "qualifié eIDAS" : "non qualifié")})");
    }

    /// <inheritdoc />
    public bool IsQualified => _options.IsQualified;

    /// <inheritdoc />
    public string DisplayName { get; }

    /// <inheritdoc />
    public IReadOnlyList<ReadOnlyMemory<byte>> CertificateChain => _options.CertificateChain;

    /// <summary>Whether tokens are checked against a configured root (else only their signature is checked).</summary>
    public bool VerifiesChain => _roots.Length > 0;

    /// <inheritdoc />
    /// <exception cref="TimestampAuthorityUnavailableException">The TSA could not answer now; retry later.</exception>
    /// <exception cref="TimestampAuthorityRefusedException">The TSA refused, or its answer is unusable.</exception>
    public async Task<TimestampToken> StampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken)
    {
        if (sha256.Length != SHA256.HashSizeInBytes)
        {
            throw new ArgumentException($"A SHA-256 digest is {SHA256.HashSizeInBytes} bytes (got {sha256.Length}).", nameof(sha256));
        }

        var nonce = RandomNumberGenerator.GetBytes(8);
        nonce[0] = (byte)((nonce[0] & 0x7F) | 0x40); // positive, minimal INTEGER
        var request = Rfc3161TimestampRequest.CreateFromHash(
            sha256,
            HashAlgorithmName.SHA256,
            _options.PolicyOid is { } policy ? new Oid(policy) : null,
            nonce,
            requestSignerCertificates: true);
        var body = await ExchangeAsync(request.Encode(), cancellationToken);

        TimestampResponseStatus status;
        try
        {
            status = TimeStampResp.ReadStatus(body);
        }
        catch (AsnContentException e)
        {
            throw Refused($"answered {body.Length} bytes that are not a TimeStampResp", e);
        }

        if (status.Status == TimestampStatus.Waiting)
        {
            throw new TimestampAuthorityUnavailableException($"TSA {_options.SafeUrl} answered « waiting »: no token yet. {status.Text}".TrimEnd());
        }

        if (!status.IsGranted)
        {
            throw Refused(string.Create(
                CultureInfo.InvariantCulture,
                $"refused the request: status {(int)status.Status} ({status.Status}), failInfo {status.Failures}{(status.Text is null ? "" : $", « {status.Text} »")}"));
        }

        Rfc3161TimestampToken token;
        try
        {
            token = request.ProcessResponse(body, out _);
        }
        catch (CryptographicException e)
        {
            throw Refused("answered a token that does not match the request (nonce, digest) or whose certificate or signature is unusable", e);
        }

        var der = token.AsSignedCms().Encode();
        CheckToken(token, der, sha256.Span);
        _logger.LogDebug(
            "Time-stamp from {Tsa}: serial {Serial}, time {GeneratedAt:O}",
            _options.SafeUrl,
            Convert.ToHexString(token.TokenInfo.GetSerialNumber().Span),
            token.TokenInfo.Timestamp);
        return new TimestampToken(der, token.TokenInfo.Timestamp);
    }

    /// <inheritdoc />
    public override string ToString() => _options.ToString();

    private async Task<byte[]> ExchangeAsync(byte[] query, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        using var message = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(query) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/timestamp-reply"));
        if (_options.UserName is { } user)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{_options.Password}")));
        }

        try
        {
            using var response = await _http().SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var code = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || code >= 500)
            {
                throw new TimestampAuthorityUnavailableException(
                    string.Create(CultureInfo.InvariantCulture, $"TSA {_options.SafeUrl} answered HTTP {code}: retry later."));
            }

            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (credentials missing or refused)" : "";
                throw Refused(string.Create(CultureInfo.InvariantCulture, $"answered HTTP {code}{hint}"));
            }

            return await ReadLimitedAsync(response.Content, linked.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimestampAuthorityUnavailableException(
                string.Create(CultureInfo.InvariantCulture, $"TSA {_options.SafeUrl} did not answer within {_options.Timeout.TotalSeconds:0.#} s."), e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw new TimestampAuthorityUnavailableException($"TSA {_options.SafeUrl} is unreachable: {e.Message}", e);
        }
    }

    private async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength > MaxResponseBytes)
        {
            throw Refused(string.Create(CultureInfo.InvariantCulture, $"answered {content.Headers.ContentLength} bytes, far more than a TimeStampResp"));
        }

        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                throw Refused("answered far more bytes than a TimeStampResp");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private void CheckToken(Rfc3161TimestampToken token, byte[] der, ReadOnlySpan<byte> sha256)
    {
        if (_roots.Length > 0)
        {
            var verification = TimestampVerifier.Verify(der, sha256, _roots, _chain);
            if (!verification.IsValid)
            {
                throw Refused($"answered a token that does not verify against the configured chain: {verification.Problem}");
            }
        }
        else if (!token.VerifySignatureForHash(sha256, HashAlgorithmName.SHA256, out _, _chain))
        {
            throw Refused("answered a token whose signature does not verify");
        }
    }

    private TimestampAuthorityRefusedException Refused(string what, Exception? inner = null) =>
        new($"TSA {_options.SafeUrl} {what}.", inner);
}
