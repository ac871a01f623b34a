using System.Globalization;
using System.Text;
using IntegrationHub.Authorities;
using IntegrationHub.Dispatch;
using IntegrationHub.Members;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Text;

namespace IntegrationHub.Mailings;

/// <summary>The message telling an élu that documents await them, in French, for every channel.</summary>
public static class MailingComposer
{
    private const string Nbsp = French.Nbsp;
    private const int SmsTitleLength = 50;

    public static OutboundMessage Compose(
        Authority authority, Mailing mailing, Member member, IReadOnlyList<MailingDocument> documents, Delivery delivery, Uri link)
    {
        var subject = $"{authority.Name}{Nbsp}: {mailing.Title}";
        var expires = French.LongDate(Legal.ParisTime.ToParisDate(mailing.LinksExpireAt!.Value));
        var text = new StringBuilder();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>").Append(Html.Encode(subject)).Append("</title></head><body>");
        Paragraph(text, html, $"Bonjour {member.DisplayName},");
        Paragraph(text, html, documents.Count == 1
            ? $"{authority.Name} vous adresse un document{Nbsp}: « {mailing.Title} »."
            : $"{authority.Name} vous adresse {documents.Count} documents{Nbsp}: « {mailing.Title} ».");
        if (!string.IsNullOrWhiteSpace(mailing.Message))
        {
            Paragraph(text, html, mailing.Message);
        }
        text.AppendLine(documents.Count == 1 ? $"Document{Nbsp}:" : $"Documents{Nbsp}:");
        html.Append("<ul>");
        foreach (var document in documents)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  - {document.Name} ({MemberPage.SizeText(document.Size)})");
            html.Append("<li>").Append(Html.Encode(document.Name)).Append(" (").Append(Html.Encode(MemberPage.SizeText(document.Size))).Append(")</li>");
        }
        text.AppendLine();
        html.Append("</ul>");
        text.AppendLine(CultureInfo.InvariantCulture, $"Consulter les documents{Nbsp}: {link}").AppendLine();
        html.Append("<p><a href=\"").Append(Html.Encode(link.ToString())).Append("\">Consulter les documents</a></p>");
        Paragraph(text, html, $"Ce lien vous est personnel{Nbsp}; il est valable jusqu'au {expires}.");
        Paragraph(text, html, $"Le secrétariat des assemblées,\n{authority.Name}");
        html.Append("</body></html>");

        // SMS: the SMS channel spells accents and French quotes in GSM 03.38 (SmsSegments.ToGsm7); the title is cut to keep two parts.
        var title = mailing.Title.Length <= SmsTitleLength ? mailing.Title : mailing.Title[..(SmsTitleLength - 1)] + "…";
        return new OutboundMessage(
            delivery.IdempotencyKey,
            MessageKind.Notice,
            new Recipient(member.DisplayName, member.Email, member.Mobile, member.M365Upn),
            subject,
            text.ToString(),
            html.ToString())
        {
            AuthorityId = authority.Id.ToString(),
            ShortText = $"{authority.Name} : documents \"{title}\" à consulter : {link}",
        };
    }

    private static void Paragraph(StringBuilder text, StringBuilder html, string sentence)
    {
        text.AppendLine(sentence).AppendLine();
        html.Append("<p>").Append(Html.Encode(sentence).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
    }
}
