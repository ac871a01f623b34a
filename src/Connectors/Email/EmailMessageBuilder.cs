using System.Text;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using IntegrationHub.Plugins.Channels;
using MimeKit;
using IcalCalendar = Ical.Net.Calendar;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Renders an <see cref="OutboundMessage"/> as a MIME message. With a calendar invitation the tree is the iMIP one
/// (RFC 6047): multipart/mixed { multipart/alternative { text/plain, text/html?, text/calendar }, invitation.ics }.
/// Without one it is text/plain, or multipart/alternative { text/plain, text/html }.
/// </summary>
internal static class EmailMessageBuilder
{
    public const string IdempotencyKeyHeader = "X-Hub-Idempotency-Key";
    public const string AttachmentFileName = "invitation.ics";
    private const string ProductId = "-//IntegrationHub//Convocations//FR";

    public static MimeMessage Build(OutboundMessage message, EmailOptions options, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(message.IdempotencyKey))
        {
            throw new PermanentDeliveryException("The message has no idempotency key.");
        }

        if (!EmailAddresses.TryParse(message.Recipient.Email, out var to))
        {
            throw new PermanentDeliveryException(string.IsNullOrWhiteSpace(message.Recipient.Email)
                ? $"Recipient '{message.Recipient.DisplayName}' has no email address."
                : $"Recipient '{message.Recipient.DisplayName}' has an invalid email address '{message.Recipient.Email}'.")
            {
                AddressRejected = true,
            };
        }

        to.Name = message.Recipient.DisplayName;
        if (!EmailAddresses.TryParse(options.FromAddress, out var from))
        {
            throw new PermanentDeliveryException(
                $"{EmailOptions.SectionName}:FromAddress '{options.FromAddress}' is not a valid email address.");
        }

        from.Name = options.FromName;

        var mime = new MimeMessage();
        mime.From.Add(from);
        mime.To.Add(to);
        mime.Subject = message.Subject;
        mime.Date = now;
        mime.MessageId = MessageIdentity.MessageId(message.IdempotencyKey, from.Domain);
        mime.Headers.Add(IdempotencyKeyHeader, message.IdempotencyKey);
        mime.Body = BuildBody(message, to, options, now);
        return mime;
    }

    private static MimeEntity BuildBody(OutboundMessage message, MailboxAddress to, EmailOptions options, DateTimeOffset now)
    {
        var text = Text("plain", message.TextBody);
        if (message.Calendar is null && message.HtmlBody is null)
        {
            return text;
        }

        var alternative = new MultipartAlternative { text };
        if (message.HtmlBody is not null)
        {
            alternative.Add(Text("html", message.HtmlBody));
        }

        if (message.Calendar is null)
        {
            return alternative;
        }

        var method = message.Calendar.Method == CalendarMethod.Cancel ? "CANCEL" : "REQUEST";
        // Attendees' answers go to the ORGANIZER (RFC 5546): that must be this channel's own sender, whose mailbox the
        // authority reads, not whatever address the hub composed the invitation with.
        var invitation = string.IsNullOrWhiteSpace(options.FromAddress)
            ? message.Calendar
            : message.Calendar with { OrganizerEmail = options.FromAddress, OrganizerName = options.FromName };
        var ics = BuildIcs(invitation, method, to, now);

        // RFC 6047: the method parameter must equal the METHOD of the calendar object.
        var calendarPart = new TextPart("calendar") { ContentTransferEncoding = ContentEncoding.Base64 };
        calendarPart.SetText(Encoding.UTF8, ics);
        calendarPart.ContentType.Parameters.Add("method", method);
        alternative.Add(calendarPart);

        // A copy for clients that ignore the inline part (webmails, some mobile clients).
        var attachment = new MimePart("application", "ics")
        {
            Content = new MimeContent(new MemoryStream(Encoding.UTF8.GetBytes(ics))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = AttachmentFileName,
        };

        return new Multipart("mixed") { alternative, attachment };
    }

    private static TextPart Text(string subtype, string content)
    {
        var part = new TextPart(subtype) { ContentTransferEncoding = ContentEncoding.QuotedPrintable };
        part.SetText(Encoding.UTF8, content);
        return part;
    }

    private static string BuildIcs(CalendarInvitation invitation, string method, MailboxAddress attendee, DateTimeOffset now)
    {
        if (invitation.End <= invitation.Start)
        {
            throw new PermanentDeliveryException(
                $"Calendar invitation '{invitation.Uid}' ends ({invitation.End:s}) before it starts ({invitation.Start:s}).");
        }

        if (!EmailAddresses.TryParse(invitation.OrganizerEmail, out var organizer))
        {
            throw new PermanentDeliveryException(
                $"Calendar invitation '{invitation.Uid}' has an invalid organizer address '{invitation.OrganizerEmail}'.");
        }

        var calendar = new IcalCalendar { Method = method, ProductId = ProductId };
        try
        {
            calendar.AddTimeZone(invitation.TimeZoneId);
        }
        catch (ArgumentException e)
        {
            throw new PermanentDeliveryException(
                $"Calendar invitation '{invitation.Uid}' has an unknown time zone '{invitation.TimeZoneId}'.", e);
        }

        var meeting = new CalendarEvent
        {
            Uid = invitation.Uid,
            Sequence = invitation.Sequence,
            Summary = invitation.Summary,
            Location = invitation.Location,
            Description = invitation.Description,
            DtStart = Local(invitation.Start, invitation.TimeZoneId),
            DtEnd = Local(invitation.End, invitation.TimeZoneId),
            DtStamp = new CalDateTime(now.UtcDateTime, hasTime: true),
            Status = method == "CANCEL" ? "CANCELLED" : "CONFIRMED",
            Organizer = new Organizer("mailto:" + organizer.Address) { CommonName = invitation.OrganizerName },
        };
        meeting.Attendees.Add(new Attendee("mailto:" + attendee.Address)
        {
            CommonName = attendee.Name,
            Role = "REQ-PARTICIPANT",
            ParticipationStatus = "NEEDS-ACTION",
            Rsvp = true,
        });
        calendar.Events.Add(meeting);

        return new CalendarSerializer().SerializeToString(calendar)
            ?? throw new InvalidOperationException("Ical.Net returned no text for the calendar.");
    }

    private static CalDateTime Local(DateTime value, string timeZoneId) =>
        new(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second, timeZoneId);
}
