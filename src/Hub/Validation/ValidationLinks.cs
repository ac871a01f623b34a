using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using IntegrationHub.Convocations;

namespace IntegrationHub.Validation;

/// <summary>What a signed link to a circuit step asks for: the button it came from.</summary>
public enum LinkedDecision : byte
{
    /// <summary>« Voir le dossier »: the page, no decision chosen.</summary>
    View = 0,

    /// <summary>« Valider ».</summary>
    Approve = 1,

    /// <summary>« Refuser ».</summary>
    Reject = 2,
}

/// <summary>A link that checked out: the step, the button it came from, and when it expires.</summary>
public sealed record ResolvedStepLink(Guid StepId, LinkedDecision Decision, DateTimeOffset Expires);

/// <summary>
/// Signed links to a circuit step, as the Teams card and the approvers' email carry them (INTEGRATIONS.md §2.3):
/// <c>base64url(stepId | decision | expiry | nonce) "." base64url(HMAC-SHA256)</c> with the hub's link key and a
/// purpose byte of their own, so neither a member's answer link nor a mailing link can ever be replayed as one.
/// A link binds one step and expires; it is <b>not</b> an identity proof — a card in a channel is seen by everyone in
/// it and can be forwarded — so the page it opens asks the approver to prove who they are before anything is decided.
/// </summary>
public sealed class ValidationLinks(LinkSigningKey signingKey, MemberLinks memberLinks, TimeProvider time)
{
    /// <summary>How long a link opens its page; the step closing first makes it useless anyway.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(30);

    // MemberLinks uses 1 (answers), 2 (calendar UIDs) and 3 (mailings); 5 is the approvers' one-time codes.
    private const byte StepPurpose = 4;
    private const int PayloadLength = 16 + 1 + 8 + 8;
    private const int MacLength = 16;

    public string CreateToken(Guid stepId, LinkedDecision decision, DateTimeOffset expires)
    {
        Span<byte> payload = stackalloc byte[PayloadLength];
        stepId.TryWriteBytes(payload[..16]);
        payload[16] = (byte)decision;
        BinaryPrimitives.WriteInt64BigEndian(payload[17..25], expires.ToUnixTimeSeconds());
        RandomNumberGenerator.Fill(payload[25..]);
        Span<byte> mac = stackalloc byte[MacLength];
        Mac(payload, mac);
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The step and decision of a token, or null when it is forged, altered, for another purpose, or expired.</summary>
    public ResolvedStepLink? Resolve(string? token)
    {
        if (token is null || token.Split('.') is not [var payloadText, var macText])
        {
            return null;
        }
        Span<byte> payload = stackalloc byte[PayloadLength];
        Span<byte> mac = stackalloc byte[MacLength];
        if (!TryDecode(payloadText, payload) || !TryDecode(macText, mac))
        {
            return null;
        }
        Span<byte> expected = stackalloc byte[MacLength];
        Mac(payload, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, mac) || payload[16] > (byte)LinkedDecision.Reject)
        {
            return null;
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(payload[17..25]));
        return time.GetUtcNow() < expires ? new ResolvedStepLink(new Guid(payload[..16]), (LinkedDecision)payload[16], expires) : null;
    }

    /// <summary>The decision page of a step, expiring <see cref="Lifetime"/> from now.</summary>
    public Uri Link(Guid stepId, LinkedDecision decision) =>
        new(memberLinks.BaseUrl, "validation/decisions/" + CreateToken(stepId, decision, time.GetUtcNow() + Lifetime));

    /// <summary>
    /// Exactly one spelling per value: the unpadded base64url of the right length that re-encodes to itself (the
    /// spare bits of the last character are checked), so no link is « altered but valid ». Never throws on garbage.
    /// </summary>
    private static bool TryDecode(string text, Span<byte> destination)
    {
        if (text.Length != (destination.Length * 4 + 2) / 3)
        {
            return false;
        }
        var padded = text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4);
        return Convert.TryFromBase64String(padded, destination, out var written) && written == destination.Length
            && Base64Url.EncodeToString(destination) == text;
    }

    private void Mac(ReadOnlySpan<byte> payload, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[1 + PayloadLength];
        input[0] = StepPurpose;
        payload.CopyTo(input[1..]);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(signingKey.Key, input, full);
        full[..MacLength].CopyTo(destination);
    }
}
