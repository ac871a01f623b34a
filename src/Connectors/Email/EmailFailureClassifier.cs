using System.Net.Sockets;
using System.Text.RegularExpressions;
using IntegrationHub.Plugins.Channels;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Maps what MailKit and the file system throw to the channel contract: the single place where a failure is
/// judged permanent or transient.
/// </summary>
internal static partial class EmailFailureClassifier
{
    /// <summary>
    /// The contract exception to throw instead of <paramref name="exception"/> (wrapping it), or null when
    /// <paramref name="exception"/> must propagate unchanged: the caller's cancellation, and anything unknown
    /// (the hub treats unknown exceptions as transient, and keeping the original type keeps bugs visible).
    /// </summary>
    public static Exception? Classify(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        PermanentDeliveryException or TransientDeliveryException => null,
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,

        SmtpCommandException { ErrorCode: SmtpErrorCode.RecipientNotAccepted } e when IsAddressRejection(e) =>
            new PermanentDeliveryException($"SMTP server refused the recipient's address: {Describe(e)}", e) { AddressRejected = true },
        SmtpCommandException e when (int)e.StatusCode is >= 500 and < 600 =>
            new PermanentDeliveryException($"SMTP server refused the message: {Describe(e)}", e),
        SmtpCommandException e =>
            new TransientDeliveryException($"SMTP server deferred the message: {Describe(e)}", e),

        // Retrying with the same settings cannot succeed: someone has to fix the configuration.
        AuthenticationException e =>
            new PermanentDeliveryException("SMTP server rejected the configured credentials.", e),
        ServiceNotAuthenticatedException e =>
            new PermanentDeliveryException("SMTP server requires authentication and no credentials are configured.", e),
        NotSupportedException e =>
            new PermanentDeliveryException($"SMTP server lacks a feature the settings require: {e.Message}", e),
        SslHandshakeException { InnerException: IOException or SocketException } e =>
            new TransientDeliveryException("TLS handshake with the SMTP server was interrupted.", e),
        SslHandshakeException e =>
            new PermanentDeliveryException("TLS handshake with the SMTP server failed (certificate or protocol).", e),
        UnauthorizedAccessException e =>
            new PermanentDeliveryException("The pickup directory is not writable.", e),

        SocketException or IOException or TimeoutException or SmtpProtocolException or ServiceNotConnectedException =>
            new TransientDeliveryException($"SMTP server unreachable or connection lost: {exception.Message}", exception),
        // Cancelled without the caller asking: a timeout inside the transport.
        OperationCanceledException =>
            new TransientDeliveryException("The SMTP operation timed out.", exception),

        _ => null,
    };

    /// <summary>
    /// Whether a refused recipient is the address's own fault (unknown mailbox, bad domain, bad syntax: RFC 3463
    /// 5.1.x, or 551/553 without an enhanced code), rather than a policy or relay refusal (5.7.x, a bare 550) that a
    /// correct address can also receive.
    /// </summary>
    private static bool IsAddressRejection(SmtpCommandException e)
    {
        if ((int)e.StatusCode is < 500 or >= 600)
        {
            return false;
        }

        var enhanced = EnhancedStatusCode().Match(e.Message);
        return enhanced.Success ? enhanced.Groups["class"].Value == "5" && enhanced.Groups["subject"].Value == "1" : (int)e.StatusCode is 551 or 553;
    }

    [GeneratedRegex(@"^\s*(?<class>[245])\.(?<subject>\d{1,3})\.\d{1,3}\b", RegexOptions.CultureInvariant)]
    private static partial Regex EnhancedStatusCode();

    private static string Describe(SmtpCommandException e) =>
        $"{(int)e.StatusCode} {e.Message} ({e.ErrorCode}{(e.Mailbox is null ? string.Empty : " " + e.Mailbox.Address)})";
}
