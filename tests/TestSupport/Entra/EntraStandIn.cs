using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.TestSupport.Entra;

/// <summary>
/// A minimal OpenID Connect provider shaped like Microsoft Entra ID v2 on 127.0.0.1 (Kestrel):
/// <c>/{tenant}/v2.0/.well-known/openid-configuration</c>, <c>/{tenant}/discovery/v2.0/keys</c> (one RSA key),
/// <c>/{tenant}/oauth2/v2.0/authorize</c> (no login form: it answers at once for <see cref="SignedInUser"/>, as a user
/// already signed in would see) and <c>/{tenant}/oauth2/v2.0/token</c> (authorization code with PKCE and client secret,
/// returning an RS256 id_token with <c>iss</c>, <c>aud</c>, <c>tid</c>, <c>nonce</c>, <c>preferred_username</c>).
/// </summary>
public sealed class EntraStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private RSA _key = RSA.Create(2048);
    private string _keyId = Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();
    private readonly Dictionary<string, IssuedCode> _codes = new(StringComparer.Ordinal);

    private sealed record IssuedCode(string ClientId, string RedirectUri, string Challenge, string Nonce, string User);

    private EntraStandIn(WebApplication app, string tenantId, string clientId, string clientSecret)
    {
        _app = app;
        TenantId = tenantId;
        ClientId = clientId;
        ClientSecret = clientSecret;
    }

    public string TenantId { get; }
    public string ClientId { get; }
    public string ClientSecret { get; }

    /// <summary>The base URL to configure as <c>loginBaseUrl</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public string Issuer => $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/{TenantId}/v2.0";

    /// <summary>Who is signed in at the provider; the next authorization is for them.</summary>
    public string SignedInUser { get; set; } = "";

    /// <summary>The audience the next id_token is issued for (the client id unless a test changes it).</summary>
    public string? AudienceOverride { get; set; }

    /// <summary>The claim the next id_token carries the signed-in user's address in.</summary>
    public string AddressClaim { get; set; } = "preferred_username";

    /// <summary>Replaces the signing key (a key rollover): the old one is neither published nor used any more.</summary>
    public void RotateKey()
    {
        var old = _key;
        _key = RSA.Create(2048);
        _keyId = Guid.NewGuid().ToString("N");
        old.Dispose();
    }

    /// <summary>The provider's clock (set it to the hub's, which tests shift).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>Token requests answered, refused ones included.</summary>
    public int TokenRequests { get; private set; }

    public static async Task<EntraStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var standIn = new EntraStandIn(app, Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), FakeSecrets.Token("client-secret"));
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", standIn.Discovery);
        app.MapGet("/{tenant}/discovery/v2.0/keys", standIn.Keys);
        app.MapGet("/{tenant}/oauth2/v2.0/authorize", standIn.Authorize);
        app.MapPost("/{tenant}/oauth2/v2.0/token", standIn.TokenAsync);
        await app.StartAsync();
        standIn.BaseUrl = new Uri(app.Urls.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return standIn;
    }

    private IResult Discovery(string tenant)
    {
        var root = $"{BaseUrl.AbsoluteUri.TrimEnd('/')}/{TenantId}";
        return tenant != TenantId ? Results.NotFound() : Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["authorization_endpoint"] = $"{root}/oauth2/v2.0/authorize",
            ["token_endpoint"] = $"{root}/oauth2/v2.0/token",
            ["jwks_uri"] = $"{root}/discovery/v2.0/keys",
            ["response_types_supported"] = new[] { "code", "id_token", "code id_token" },
            ["subject_types_supported"] = new[] { "pairwise" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
        });
    }

    private IResult Keys()
    {
        var parameters = _key.ExportParameters(false);
        return Results.Json(new
        {
            keys = new[]
            {
                new { kty = "RSA", use = "sig", kid = _keyId, alg = "RS256", n = B64(parameters.Modulus!), e = B64(parameters.Exponent!) },
            },
        });
    }

    private IResult Authorize(HttpRequest request)
    {
        var q = request.Query;
        if (q["client_id"] != ClientId || q["response_type"] != "code" || q["code_challenge_method"] != "S256" || string.IsNullOrEmpty(q["code_challenge"]))
        {
            return Results.BadRequest("invalid_request");
        }
        var code = B64(RandomNumberGenerator.GetBytes(24));
        lock (_gate)
        {
            _codes[code] = new IssuedCode(q["client_id"]!, q["redirect_uri"]!, q["code_challenge"]!, q["nonce"]!, SignedInUser);
        }
        var back = $"{q["redirect_uri"]}?code={Uri.EscapeDataString(code)}&state={Uri.EscapeDataString(q["state"].ToString())}";
        return Results.Redirect(back);
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        IssuedCode? issued;
        lock (_gate)
        {
            TokenRequests++;
            _codes.Remove(form["code"].ToString(), out issued);
        }
        var verifierHash = B64(SHA256.HashData(Encoding.ASCII.GetBytes(form["code_verifier"].ToString())));
        if (issued is null || form["grant_type"] != "authorization_code" || form["client_id"] != issued.ClientId || form["client_secret"] != ClientSecret
            || form["redirect_uri"] != issued.RedirectUri || verifierHash != issued.Challenge)
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }
        var now = DateTimeOffset.FromUnixTimeSeconds(Time.GetUtcNow().ToUnixTimeSeconds());
        return Results.Json(new { token_type = "Bearer", id_token = IdToken(issued, now), expires_in = 3600 });
    }

    private string IdToken(IssuedCode issued, DateTimeOffset now)
    {
        var header = new { alg = "RS256", typ = "JWT", kid = _keyId };
        var payload = new Dictionary<string, object>
        {
            ["iss"] = Issuer,
            ["aud"] = AudienceOverride ?? issued.ClientId,
            ["tid"] = TenantId,
            ["sub"] = B64(SHA256.HashData(Encoding.UTF8.GetBytes(issued.User)))[..22],
            [AddressClaim] = issued.User,
            ["nonce"] = issued.Nonce,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        };
        var signed = B64(JsonSerializer.SerializeToUtf8Bytes(header)) + "." + B64(JsonSerializer.SerializeToUtf8Bytes(payload));
        return signed + "." + B64(_key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
    }
}
