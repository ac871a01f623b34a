using System.Net.Sockets;
using IntegrationHub.Plugins.Channels;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Maps what MailKit and the file system throw to the channel contract: the single place where a failure is
/// judged permanent or transient.
/// </summary>
internal static class EmailFailureClassifier
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

    private static string Describe(SmtpCommandException e) =>
        $"{(int)e.StatusCode} {e.Message} ({e.ErrorCode}{(e.Mailbox is null ? string.Empty : " " + e.Mailbox.Address)})";
}
