using System.Security.Cryptography;
using System.Text;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Plugins.Connectors;

namespace IntegrationHub.Dispatch;

/// <summary>
/// What the evidence ledger keeps of a message handed to a channel: the address it went to, and the SHA-256 of what
/// the member read. The hash covers the UTF-8 bytes of the subject, a line feed, and the text body — the same words in
/// every rendering (the HTML part and the SMS carry the same text and links) — so the authority can show, from its
/// archive of the message, that this is the content that was sent.
/// </summary>
public sealed record SentMessageEvidence(string? Address, string MessageSha256)
{
    public static SentMessageEvidence Of(OutboundMessage message, RecipientAddress? address)
    {
        ArgumentNullException.ThrowIfNull(message);
        var recipient = message.Recipient;
        var to = address switch
        {
            RecipientAddress.Mobile => recipient.Mobile,
            RecipientAddress.M365Upn => recipient.M365Upn,
            RecipientAddress.None => null,
            _ => recipient.Email,
        };
        var text = address == RecipientAddress.Mobile && message.ShortText is { } sms ? sms : $"{message.Subject}\n{message.TextBody}";
        return new SentMessageEvidence(to, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
    }
}
