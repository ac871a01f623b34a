using System.Buffers.Binary;
using System.Security.Cryptography;
using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Convocations;

/// <summary>
/// Personal links sent to a member: bound to one purpose and one convocation (or one mailing recipient), expiring when
/// the session is over (or when the mailing's links do), and short enough for an SMS (48 characters): the id, the
/// expiry, and a 96-bit HMAC-SHA256 of both with the purpose. Expiry is checked against the hub's <see cref="TimeProvider"/>.
/// </summary>
public sealed class MemberLinks(LinkSigningKey signingKey, IOptions<HubOptions> options, TimeProvider time)
{
    private const byte AnswerPurpose = 1;
    private const byte CalendarPurpose = 2;
    private const byte MailingPurpose = 3;
    // 4 and 5 belong to ValidationLinks (circuit steps) and ApproverCodes (one-time codes): one byte per purpose, never reused.
    private const int MacLength = 12;
    private const int PayloadLength = 16 + 8;

    public string CreateAnswerToken(Guid convocationId, DateTimeOffset expires) => CreateToken(AnswerPurpose, convocationId, expires);

    /// <summary>The convocation a token was issued for, or null when it is forged, altered, for another purpose, or expired.</summary>
    public Guid? ResolveAnswerToken(string token) => ResolveToken(AnswerPurpose, token);

    /// <summary>A token for one recipient of a mailing (documents sent outside a session); it opens nothing else.</summary>
    public string CreateMailingToken(Guid recipientId, DateTimeOffset expires) => CreateToken(MailingPurpose, recipientId, expires);

    /// <summary>The mailing recipient a token was issued for, or null when it is forged, altered, for another purpose, or expired.</summary>
    public Guid? ResolveMailingToken(string token) => ResolveToken(MailingPurpose, token);

    private string CreateToken(byte purpose, Guid id, DateTimeOffset expires)
    {
        Span<byte> token = stackalloc byte[PayloadLength + MacLength];
        id.TryWriteBytes(token[..16]);
        BinaryPrimitives.WriteInt64BigEndian(token[16..PayloadLength], expires.ToUnixTimeSeconds());
        Mac(purpose, token[..PayloadLength], token[PayloadLength..]);
        return Base64Url(token);
    }

    private Guid? ResolveToken(byte purpose, string token)
    {
        Span<byte> bytes = stackalloc byte[PayloadLength + MacLength];
        if (!TryDecode(token, bytes))
        {
            return null;
        }
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(purpose, bytes[..PayloadLength], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, bytes[PayloadLength..]))
        {
            return null;
        }
        var expires = BinaryPrimitives.ReadInt64BigEndian(bytes[16..PayloadLength]);
        return time.GetUtcNow().ToUnixTimeSeconds() < expires ? new Guid(bytes[..16]) : null;
    }

    /// <summary>
    /// A tag for the calendar UID of one member's invitation: a reply naming that UID is accepted only if the tag matches,
    /// so knowing a session id and a colleague's member id is not enough to answer for them.
    /// </summary>
    public string CalendarUidTag(Guid sessionId, Guid memberId)
    {
        Span<byte> payload = stackalloc byte[32];
        sessionId.TryWriteBytes(payload[..16]);
        memberId.TryWriteBytes(payload[16..]);
        Span<byte> mac = stackalloc byte[MacLength];
        Mac(CalendarPurpose, payload, mac);
        return Convert.ToHexStringLower(mac[..8]);
    }

    public bool IsValidCalendarUidTag(Guid sessionId, Guid memberId, string tag) =>
        CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(CalendarUidTag(sessionId, memberId)), System.Text.Encoding.ASCII.GetBytes(tag));

    public Uri BaseUrl => new(EnsureSlash(options.Value.PublicBaseUrl ?? "http://localhost:5080"));

    public Uri AnswerLink(Guid convocationId, DateTimeOffset expires) =>
        new(BaseUrl, "convocations/" + CreateAnswerToken(convocationId, expires));

    /// <summary>The session's documents section of the member's page (the document store arrives with the documents capability).</summary>
    public Uri DocumentsLink(Guid convocationId, DateTimeOffset expires) =>
        new(BaseUrl, "convocations/" + CreateAnswerToken(convocationId, expires) + "#documents");

    public Uri MailingLink(Guid recipientId, DateTimeOffset expires) =>
        new(BaseUrl, "mailings/" + CreateMailingToken(recipientId, expires));

    private void Mac(byte purpose, ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + payload.Length];
        input[0] = purpose;
        payload.CopyTo(input[1..]);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(signingKey.Key, input, full);
        full[..MacLength].CopyTo(destination);
    }

    private static bool TryDecode(string token, Span<byte> destination)
    {
        if (token.Length != 48)
        {
            return false;
        }
        var base64 = token.Replace('-', '+').Replace('_', '/');
        return Convert.TryFromBase64String(base64, destination, out var written) && written == destination.Length;
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    private static string EnsureSlash(string url) => url.EndsWith('/') ? url : url + "/";
}
