using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Derives the <c>Message-ID</c> and the pickup file name from the idempotency key, so every attempt of one
/// delivery carries the same identity (receiving servers and clients de-duplicate on Message-ID).
/// </summary>
internal static class MessageIdentity
{
    private const int MaxStemLength = 64;
    private const int MaxReadablePrefixLength = 40;

    /// <summary>
    /// A token safe in a Message-ID left part and in a file name. A key that is already safe is kept as it is;
    /// any other key is cleaned and suffixed with a hash of the original, so two different keys never share a stem.
    /// </summary>
    public static string Stem(string idempotencyKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (idempotencyKey.Length <= MaxStemLength && IsSafe(idempotencyKey))
        {
            return idempotencyKey;
        }

        var cleaned = new StringBuilder(Math.Min(idempotencyKey.Length, MaxReadablePrefixLength));
        foreach (var c in idempotencyKey)
        {
            if (cleaned.Length == MaxReadablePrefixLength)
            {
                break;
            }

            var safe = IsSafeChar(c) && c != '.' ? c : '-';
            if (safe != '-' || (cleaned.Length > 0 && cleaned[^1] != '-'))
            {
                cleaned.Append(safe);
            }
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)).AsSpan(0, 8));
        var prefix = cleaned.ToString().Trim('-');
        return prefix.Length == 0 ? hash : prefix + "-" + hash;
    }

    /// <summary>The Message-ID (without angle brackets): <c>{stem}@{ASCII domain of the sender}</c>.</summary>
    public static string MessageId(string idempotencyKey, string fromDomain)
    {
        var domain = new IdnMapping().GetAscii(fromDomain).ToLowerInvariant();
        return Stem(idempotencyKey) + "@" + domain;
    }

    private static bool IsSafe(string key) =>
        key.All(IsSafeChar) && key[0] != '.' && key[^1] != '.' && !key.Contains("..", StringComparison.Ordinal);

    private static bool IsSafeChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.';
}
