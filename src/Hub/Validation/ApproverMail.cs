using System.Text;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Dispatch;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Text;

namespace IntegrationHub.Validation;

/// <summary>
/// Email to approvers through the authority's own email channel (its <c>email</c> connector, else the hub's embedded
/// one), as convocations go. An approver is an address (agent or élu, by email or UPN), not necessarily a member.
/// </summary>
public sealed class ApproverMail(ChannelResolver channels)
{
    public async Task<bool> IsAvailableAsync(Guid authorityId, CancellationToken cancellationToken) =>
        await channels.ResolveAsync(authorityId, ChannelNames.Email, cancellationToken) is not null;

    public async Task SendAsync(Guid authorityId, string address, string idempotencyKey, string subject, MailBody body, CancellationToken cancellationToken)
    {
        var resolved = await channels.ResolveAsync(authorityId, ChannelNames.Email, cancellationToken)
            ?? throw new PermanentDeliveryException("The authority has no enabled email channel.");
        var (text, html) = body.Render(subject);
        await resolved.Channel.SendAsync(
            new OutboundMessage(idempotencyKey, MessageKind.Notice, new Recipient(address, address), subject, text, html) { AuthorityId = authorityId.ToString() },
            cancellationToken);
    }
}

/// <summary>A short French email written once for both its text and its HTML part.</summary>
public sealed class MailBody
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _html = new();

    public MailBody Paragraph(string sentence)
    {
        _text.AppendLine(sentence).AppendLine();
        _html.Append("<p>").Append(Html.Encode(sentence).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        return this;
    }

    public MailBody Link(string label, Uri url)
    {
        _text.Append(label).Append(French.Nbsp + ": ").AppendLine(url.AbsoluteUri).AppendLine();
        _html.Append("<p><a href=\"").Append(Html.Encode(url.AbsoluteUri)).Append("\">").Append(Html.Encode(label)).Append("</a></p>");
        return this;
    }

    public (string Text, string Html) Render(string title) => (
        _text.ToString(),
        "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>" + Html.Encode(title) + "</title></head><body>" + _html + "</body></html>");
}
