using MailKit;
using MailKit.Net.Smtp;
using MimeKit;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// An SMTP client that asks for delivery-status notifications (RFC 3461): <c>NOTIFY=SUCCESS,FAILURE,DELAY</c> on
/// each recipient, <c>RET=HDRS</c> and <c>ENVID</c> = the message's stem on <c>MAIL FROM</c>. MailKit adds these
/// parameters only when the server advertises <c>DSN</c>, so servers without it are unaffected.
/// </summary>
internal sealed class DsnSmtpClient : SmtpClient
{
    public DsnSmtpClient()
    {
        // Only the headers come back: enough to match the report to the delivery, and no copy of the
        // convocation (personal link included) travels back through third-party servers.
        DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;
    }

    protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
        DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure | DeliveryStatusNotification.Delay;

    /// <summary>The Message-ID's left part, which is <see cref="MessageIdentity.Stem"/> of the idempotency key.</summary>
    /// <remarks>The stem is at most 64 characters of <c>[A-Za-z0-9._-]</c>: within RFC 3461's 100 printable ASCII.</remarks>
    protected override string? GetEnvelopeId(MimeMessage message) => EnvelopeId(message);

    internal static string? EnvelopeId(MimeMessage message) => message.MessageId is { Length: > 0 } id && id.IndexOf('@', StringComparison.Ordinal) is > 0 and var at
        ? id[..at]
        : null;
}
