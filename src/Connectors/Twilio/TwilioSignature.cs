using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>
/// The <c>X-Twilio-Signature</c> of a request Twilio sends (status callbacks): HMAC-SHA1, keyed with the account's
/// auth token, over the full URL followed by every form parameter name and value, names sorted ordinally.
/// </summary>
/// <remarks>
/// Same algorithm as Twilio's official <c>RequestValidator</c> helpers. The URL is the one Twilio called, exactly, with
/// its query string: behind a reverse proxy, rebuild it from the hub's public base URL, not from the request's host.
/// Validate over <em>all</em> received parameters: Twilio adds new ones without notice.
/// </remarks>
[SuppressMessage("Design", "CA1054:URI-like parameters should not be strings",
    Justification = "The signature covers the exact characters Twilio called; a Uri would normalise them (default port, escaping).")]
public static class TwilioSignature
{
    /// <summary>The header Twilio puts the signature in.</summary>
    public const string HeaderName = "X-Twilio-Signature";

    /// <summary>Computes the signature Twilio sends for a form-encoded request.</summary>
    /// <param name="authToken">The account's auth token.</param>
    /// <param name="url">The full URL Twilio called, including its query string.</param>
    /// <param name="formParameters">The POSTed form parameters (a name may repeat); empty for a GET.</param>
    /// <returns>The Base64 signature.</returns>
    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms",
        Justification = "Twilio's protocol: the signature it sends is HMAC-SHA1; we verify it, we do not choose it.")]
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(formParameters);

        var data = new StringBuilder(url);
        foreach (var parameter in formParameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // A repeated name with the same value counts once, as in Twilio's helpers.
            foreach (var value in parameter.Select(p => p.Value ?? string.Empty).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(parameter.Key).Append(value);
            }
        }

        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
        return Convert.ToBase64String(mac);
    }

    /// <summary>
    /// Whether <paramref name="headerValue"/> is the signature of the request, compared in constant time. The URL is
    /// tried as given, then with its default port (<c>:443</c>/<c>:80</c>) removed or added, as the official helpers do.
    /// </summary>
    /// <param name="authToken">The account's auth token.</param>
    /// <param name="url">The full URL Twilio called, including its query string.</param>
    /// <param name="formParameters">Every POSTed form parameter.</param>
    /// <param name="headerValue">The received <c>X-Twilio-Signature</c> header; null or empty is invalid.</param>
    /// <returns><see langword="true"/> when the request was signed with <paramref name="authToken"/>.</returns>
    public static bool IsValid(string authToken, string url, IEnumerable<KeyValuePair<string, string>> formParameters, string? headerValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(formParameters);
        if (string.IsNullOrEmpty(headerValue))
        {
            return false;
        }

        var parameters = formParameters.ToList();
        var received = Encoding.UTF8.GetBytes(headerValue);
        var valid = false;
        foreach (var candidate in UrlVariants(url))
        {
            // No early exit: every variant is checked, so timing says nothing about which one matched.
            valid |= CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Compute(authToken, candidate, parameters)), received);
        }

        return valid;
    }

    private static IEnumerable<string> UrlVariants(string url)
    {
        yield return url;

        var defaultPort = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "443"
            : url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "80"
            : null;
        if (defaultPort is null)
        {
            yield break;
        }

        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = url.Length;
        }

        var authority = url[authorityStart..authorityEnd];
        var hostStart = Math.Max(authority.LastIndexOf('@') + 1, authority.LastIndexOf(']') + 1);
        var portSeparator = authority.IndexOf(':', hostStart);
        if (portSeparator < 0)
        {
            yield return string.Concat(url.AsSpan(0, authorityEnd), ":", defaultPort, url.AsSpan(authorityEnd));
        }
        else if (authority[(portSeparator + 1)..] == defaultPort)
        {
            yield return string.Concat(url.AsSpan(0, authorityStart + portSeparator), url.AsSpan(authorityEnd));
        }
    }
}
