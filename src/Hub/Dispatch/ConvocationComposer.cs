using System.Globalization;
using System.Text;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Legal;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Sessions;
using IntegrationHub.Text;

namespace IntegrationHub.Dispatch;

/// <summary>
/// Writes the convocation in French with the content the law requires (CGCT L2121-10: date, time, place, agenda;
/// L2121-11/12: urgency and its reason), for every channel; channels render what they can carry.
/// </summary>
public sealed class ConvocationComposer(string organizerEmail, string organizerName, Convocations.MemberLinks links)
{
    private const string Nbsp = French.Nbsp;

    public OutboundMessage Compose(ConvocationContent content)
    {
        var (authority, assembly, session, member, delivery) = (content.Authority, content.Assembly, content.Session, content.Member, content.Delivery);
        var when = French.DateAndTime(session.LocalStart);
        var kind = delivery.Purpose switch
        {
            DeliveryPurpose.Update => MessageKind.Update,
            DeliveryPurpose.Cancellation => MessageKind.Cancellation,
            DeliveryPurpose.ProxyOffer => MessageKind.Notice,
            _ => MessageKind.Convocation,
        };
        var subjectPrefix = kind switch
        {
            MessageKind.Update => "Modification de la convocation",
            MessageKind.Cancellation => "Annulation de la séance",
            MessageKind.Notice => "Absence et pouvoir",
            _ => session.Urgent ? "Convocation en urgence" : "Convocation",
        };
        var subject = $"{subjectPrefix}{Nbsp}: {assembly.Name} du {when}";

        var text = new StringBuilder();
        var html = new StringBuilder();
        WriteBody(text, html, subject, member.DisplayName, kind, authority, assembly, session, when, content.ChangeSummary, (content.DocumentsLink, content.AnswerLink));

        var calendar = kind == MessageKind.Notice ? null : new CalendarInvitation(
            Uid: $"session-{session.Id:N}-member-{member.Id:N}-{links.CalendarUidTag(session.Id, member.Id)}@{DomainOf(organizerEmail)}",
            // SEQUENCE must grow with every change the member is told about (RFC 5546 §2.1.4).
            Sequence: delivery.SessionVersion - 1,
            Method: kind == MessageKind.Cancellation ? CalendarMethod.Cancel : CalendarMethod.Request,
            Start: session.LocalStart,
            End: session.LocalStart.AddMinutes(session.DurationMinutes),
            TimeZoneId: "Europe/Paris",
            Summary: $"{assembly.Name} — {authority.Name}",
            Location: session.Place,
            Description: string.Join("\n", session.Items.Select(i => $"{i.Position}. {i.Title}")),
            OrganizerEmail: organizerEmail,
            OrganizerName: organizerName);

        // SMS: plain spaces and straight quotes keep the text in the GSM 03.38 alphabet (160/153 characters per
        // segment instead of 70/67 in UCS-2), so the alert and its link fit in two segments.
        var time = French.Time(TimeOnly.FromDateTime(session.LocalStart)).Replace(Nbsp, " ", StringComparison.Ordinal);
        var shortText = kind switch
        {
            MessageKind.Cancellation => $"{authority.Name} : la séance \"{assembly.Name}\" du {French.ShortDate(session.MeetingDate)} est annulée.",
            MessageKind.Update => $"{authority.Name} : séance \"{assembly.Name}\" modifiée, le {French.ShortDate(session.MeetingDate)} à {time}. Détails : {content.AnswerLink}",
            _ => $"{authority.Name} : convocation{(session.Urgent ? " en urgence" : "")} à la séance \"{assembly.Name}\" du {French.ShortDate(session.MeetingDate)} à {time}. Répondre : {content.AnswerLink}",
        };

        return new OutboundMessage(
            delivery.IdempotencyKey,
            kind,
            new Recipient(member.DisplayName, member.Email, member.Mobile, member.M365Upn),
            subject,
            text.ToString(),
            html.ToString(),
            calendar)
        {
            AuthorityId = authority.Id.ToString(),
            ShortText = shortText,
        };
    }

    /// <summary>
    /// The convocation as it stands for the session, addressed to no one in particular and without personal links:
    /// the copy kept in the dossier de séance. Same wording as the one the members received.
    /// </summary>
    public static (string Text, string Html) ComposeForDossier(Authority authority, Assembly assembly, Session session)
    {
        ArgumentNullException.ThrowIfNull(authority);
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(session);
        var when = French.DateAndTime(session.LocalStart);
        var subject = $"{(session.Urgent ? "Convocation en urgence" : "Convocation")}{Nbsp}: {assembly.Name} du {when}";
        var text = new StringBuilder();
        var html = new StringBuilder();
        WriteBody(text, html, subject, "Madame, Monsieur", MessageKind.Convocation, authority, assembly, session, when, changeSummary: null, personalLinks: null);
        return (text.ToString(), html.ToString());
    }

    private static void WriteBody(
        StringBuilder text, StringBuilder html, string subject, string greeting, MessageKind kind, Authority authority, Assembly assembly, Session session,
        string when, string? changeSummary, (Uri DocumentsLink, Uri AnswerLink)? personalLinks)
    {
        text.AppendLine(CultureInfo.InvariantCulture, $"{greeting},").AppendLine();
        html.Append("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>").Append(Encode(subject)).Append("</title></head><body>");
        html.Append("<p>").Append(Encode(greeting)).Append(",</p>");

        var opening = kind switch
        {
            MessageKind.Cancellation =>
                $"La séance de l'assemblée « {assembly.Name} » ({authority.Name}), prévue le {when}, est annulée.",
            MessageKind.Notice =>
                $"Vous avez indiqué dans votre agenda que vous ne pourrez pas assister à la séance de l'assemblée « {assembly.Name} » ({authority.Name}) du {when}. "
                + "Votre absence est enregistrée. Si vous le souhaitez, vous pouvez donner pouvoir à un collègue de voter en votre nom (CGCT, art. L2121-20).",
            MessageKind.Update =>
                $"La convocation à la séance de l'assemblée « {assembly.Name} » ({authority.Name}) est modifiée. La séance se tiendra le {when}, au lieu suivant{Nbsp}: {session.Place}.",
            _ =>
                $"J'ai l'honneur de vous convoquer à la séance de l'assemblée « {assembly.Name} » ({authority.Name}), qui se tiendra le {when}, au lieu suivant{Nbsp}: {session.Place}.",
        };
        Paragraph(text, html, opening);

        if (kind == MessageKind.Update && !string.IsNullOrWhiteSpace(changeSummary))
        {
            Paragraph(text, html, changeSummary);
        }

        if (kind == MessageKind.Cancellation && !string.IsNullOrWhiteSpace(session.CancellationReason))
        {
            Paragraph(text, html, $"Motif{Nbsp}: {session.CancellationReason}");
        }

        if (kind == MessageKind.Notice && personalLinks is var (_, proxyLink))
        {
            Paragraph(text, html, $"Donner pouvoir à un collègue ou modifier votre réponse{Nbsp}: {proxyLink}", proxyLink, "Donner pouvoir ou modifier ma réponse");
        }
        else if (kind != MessageKind.Cancellation)
        {
            if (session.Urgent)
            {
                // CGCT L2121-11 / L2121-12: in urgency the delay may be shortened to one jour franc; the council rules on the urgency at the opening.
                Paragraph(text, html,
                    $"Cette séance est convoquée en urgence, avec un délai abrégé à {session.Rule.UrgentNoticeDays} jour(s) franc(s). Motif de l'urgence{Nbsp}: {session.UrgencyReason}. L'assemblée se prononcera sur l'urgence dès l'ouverture de la séance.");
            }

            if (session.Hybrid && RemoteSessions.ArticleFor(authority.Kind) is { } article)
            {
                // CGCT L5211-11-1 / L4132-9-1: a session held by videoconference is mentioned in the convocation.
                Paragraph(text, html,
                    $"Cette séance se tient en plusieurs lieux, par visioconférence ({article}). Le quorum s'apprécie en fonction de la présence des membres dans les différents lieux, et les votes ont lieu uniquement au scrutin public.");
            }

            text.AppendLine(CultureInfo.InvariantCulture, $"Ordre du jour{Nbsp}:");
            html.Append("<h2>Ordre du jour</h2><ol>");
            foreach (var item in session.Items)
            {
                var rapporteur = string.IsNullOrWhiteSpace(item.Rapporteur) ? "" : $" (rapporteur{Nbsp}: {item.Rapporteur})";
                text.AppendLine(CultureInfo.InvariantCulture, $"  {item.Position}. {item.Title}{rapporteur}");
                html.Append("<li>").Append(Encode(item.Title)).Append(Encode(rapporteur)).Append("</li>");
            }
            text.AppendLine();
            html.Append("</ol>");

            if (personalLinks is var (documentsLink, answerLink))
            {
                Paragraph(text, html, $"Documents de la séance{Nbsp}: {documentsLink}", documentsLink, "Consulter les documents de la séance");
                Paragraph(text, html,
                    $"Merci d'indiquer si vous serez présent, absent, ou si vous donnez pouvoir à un collègue{Nbsp}: {answerLink}",
                    answerLink, "Répondre à la convocation");
            }
        }

        var signature = authority.Kind == AuthorityKind.Commune ? "Le maire" : "Le président";
        Paragraph(text, html, $"{signature},\n{authority.Name}");
        if (kind == MessageKind.Notice)
        {
            html.Append("</body></html>");
            return;
        }
        text.AppendLine("--")
            .AppendLine(CultureInfo.InvariantCulture, $"Convocation électronique adressée en application de l'article L2121-10 du CGCT. Règle de délai appliquée{Nbsp}: {session.Rule.Source}.");
        html.Append("<hr><p style=\"font-size:smaller\">Convocation électronique adressée en application de l'article L2121-10 du CGCT. Règle de délai appliquée&nbsp;: ")
            .Append(Encode(session.Rule.Source)).Append(".</p></body></html>");
    }

    private static void Paragraph(StringBuilder text, StringBuilder html, string sentence, Uri? link = null, string? linkLabel = null)
    {
        text.AppendLine(sentence).AppendLine();
        if (link is null)
        {
            html.Append("<p>").Append(Encode(sentence).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }
        else
        {
            html.Append("<p><a href=\"").Append(Encode(link.ToString())).Append("\">").Append(Encode(linkLabel!)).Append("</a></p>");
        }
    }

    private static string Encode(string value) => Html.Encode(value);

    private static string DomainOf(string email) => email[(email.IndexOf('@', StringComparison.Ordinal) + 1)..];
}
