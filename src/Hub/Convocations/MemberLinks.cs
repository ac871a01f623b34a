using System.Security.Cryptography;
using IntegrationHub.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Convocations;

/// <summary>
/// Personal links sent to a member: signed with the hub's Data Protection keys, bound to one purpose and one
/// convocation, and expiring when the session is over.
/// </summary>
public sealed class MemberLinks(IDataProtectionProvider protection, IOptions<HubOptions> options, TimeProvider time)
{
    // The expiry travels inside the protected payload and is checked against the hub's TimeProvider (the framework's
    // time-limited protector reads the system clock).
    private readonly IDataProtector _answer = protection.CreateProtector("IntegrationHub.Convocations.AnswerLink.v1");

    public string CreateAnswerToken(Guid convocationId, DateTimeOffset expires) =>
        _answer.Protect($"{convocationId:N}|{expires.ToUnixTimeSeconds()}");

    /// <summary>The convocation a token was issued for, or null when it is forged, altered, for another purpose, or expired.</summary>
    public Guid? ResolveAnswerToken(string token)
    {
        try
        {
            var parts = _answer.Unprotect(token).Split('|');
            return parts.Length == 2
                && Guid.TryParseExact(parts[0], "N", out var id)
                && long.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var expires)
                && time.GetUtcNow().ToUnixTimeSeconds() < expires
                ? id
                : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public Uri BaseUrl => new(EnsureSlash(options.Value.PublicBaseUrl ?? "http://localhost:5080"));

    public Uri AnswerLink(Guid convocationId, DateTimeOffset expires) =>
        new(BaseUrl, "convocations/" + Uri.EscapeDataString(CreateAnswerToken(convocationId, expires)));

    /// <summary>The session's documents page for this member (the document store arrives with the documents capability).</summary>
    public Uri DocumentsLink(Guid convocationId, DateTimeOffset expires) =>
        new(BaseUrl, "convocations/" + Uri.EscapeDataString(CreateAnswerToken(convocationId, expires)) + "#documents");

    private static string EnsureSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
