using System.Runtime.Serialization;
using System.Text;
using System.Text.RegularExpressions;
using IntegrationHub.Plugins.Mailboxes;
using MimeKit;
using MimeKit.Utils;
using IcalCalendar = Ical.Net.Calendar;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Turns one message of the reply mailbox into events: a delivery-status notification (RFC 3464) gives one
/// <see cref="DeliveryStatusReport"/> per recipient it reports on, an iTIP answer (RFC 5546 <c>METHOD:REPLY</c>) gives
/// one <see cref="CalendarReply"/>, anything else one <see cref="UnrecognisedMessage"/>. Every event of a message
/// carries the message's id, so acknowledging it once acknowledges them all.
/// </summary>
internal static partial class ReplyMessageClassifier
{
    private const int MaxSummaryLength = 300;

    public static IReadOnlyList<MailboxEvent> Classify(MimeMessage message, string id, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(message);
        var reports = DeliveryStatusReports(message, id, receivedAt);
        if (reports.Count > 0)
        {
            return reports;
        }

        if (CalendarAnswer(message, id, receivedAt) is { } reply)
        {
            return [reply];
        }

        return [new UnrecognisedMessage(id, receivedAt, Summary(message))];
    }

    private static List<MailboxEvent> DeliveryStatusReports(MimeMessage message, string id, DateTimeOffset receivedAt)
    {
        if (message.Body is not MultipartReport report
            || !string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase)
            || report.OfType<MessageDeliveryStatus>().FirstOrDefault() is not { } status
            || status.StatusGroups.Count == 0)
        {
            return [];
        }

        // RFC 3464 §2.2: the first group is about the message, each following one about a recipient.
        var envelopeId = Value(status.StatusGroups[0], "Original-Envelope-Id");
        var originalMessageId = ReturnedMessageId(report);
        var events = new List<MailboxEvent>();
        foreach (var group in status.StatusGroups.Skip(1))
        {
            var recipient = AddressOf(Value(group, "Final-Recipient") ?? Value(group, "Original-Recipient"));
            var action = FirstToken(Value(group, "Action"))?.ToLowerInvariant();
            if (recipient is null || action is null)
            {
                continue;
            }

            events.Add(new DeliveryStatusReport(
                id,
                receivedAt,
                originalMessageId,
                envelopeId,
                recipient,
                action,
                FirstToken(Value(group, "Status")),
                Value(group, "Diagnostic-Code")));
        }

        return events;
    }

    /// <summary>The Message-ID of the returned message: its headers (<c>RET=HDRS</c>) or the whole message (<c>RET=FULL</c>).</summary>
    private static string? ReturnedMessageId(MultipartReport report)
    {
        foreach (var part in report)
        {
            switch (part)
            {
                case MessagePart { Message: { } returned }:
                    return returned.MessageId;
                case MimePart headers when headers.ContentType.IsMimeType("text", "rfc822-headers")
                                           || headers.ContentType.IsMimeType("message", "global-headers"):
                    var parsed = HeaderList.Load(Decoded(headers));
                    return parsed[HeaderId.MessageId] is { } raw ? MimeUtils.ParseMessageId(raw) ?? raw.Trim().Trim('<', '>') : null;
            }
        }

        return null;
    }

    private static CalendarReply? CalendarAnswer(MimeMessage message, string id, DateTimeOffset receivedAt)
    {
        var calendarPart = message.BodyParts.OfType<MimePart>()
            .OrderBy(part => part.ContentType.IsMimeType("text", "calendar") ? 0 : 1)
            .FirstOrDefault(part => part.ContentType.IsMimeType("text", "calendar") || part.ContentType.IsMimeType("application", "ics"));
        if (calendarPart is null)
        {
            return null;
        }

        IcalCalendar? calendar;
        try
        {
            var text = calendarPart is TextPart textPart ? textPart.Text : new StreamReader(Decoded(calendarPart), Encoding.UTF8).ReadToEnd();
            calendar = IcalCalendar.Load(text);
        }
        catch (Exception exception) when (exception is SerializationException or FormatException or ArgumentException)
        {
            // A malformed calendar part is the sender's problem: the message is reported as unrecognised.
            return null;
        }

        if (calendar is null
            || !string.Equals(calendar.Method, "REPLY", StringComparison.OrdinalIgnoreCase)
            || calendar.Events.FirstOrDefault() is not { Uid: { Length: > 0 } uid } answered)
        {
            return null;
        }

        // RFC 5546 §3.2.3: a REPLY carries the one attendee who answers.
        var attendee = answered.Attendees.FirstOrDefault(a => !string.IsNullOrWhiteSpace(a.ParticipationStatus));
        var email = AddressOf(attendee?.Value?.OriginalString);
        if (attendee?.ParticipationStatus is not { } participation || email is null)
        {
            return null;
        }

        return new CalendarReply(id, receivedAt, uid, answered.Sequence, email, participation.Trim().ToUpperInvariant());
    }

    /// <summary>A field's value with folding whitespace collapsed, as a reader would see it.</summary>
    private static string? Value(HeaderList group, string field) =>
        group[field] is { } value && !string.IsNullOrWhiteSpace(value) ? FoldingWhitespace().Replace(value.Trim(), " ") : null;

    private static string? FirstToken(string? value) =>
        value?.Split([' ', '\t', '('], 2, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    /// <summary>The address of <c>rfc822; alice@example.org</c> or <c>mailto:alice@example.org</c>.</summary>
    private static string? AddressOf(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var address = value.Trim();
        if (address.StartsWith("mailto:", StringComparison.OrdinalIgnoreCase))
        {
            address = Uri.UnescapeDataString(address["mailto:".Length..]);
        }
        else if (address.IndexOf(';', StringComparison.Ordinal) is >= 0 and var separator)
        {
            address = address[(separator + 1)..];
        }

        address = address.Trim().Trim('<', '>').Trim();
        return address.Length == 0 ? null : address;
    }

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex FoldingWhitespace();

    private static MemoryStream Decoded(MimePart part)
    {
        var content = new MemoryStream();
        part.Content?.DecodeTo(content);
        content.Position = 0;
        return content;
    }

    private static string Summary(MimeMessage message)
    {
        var from = message.From.Mailboxes.FirstOrDefault()?.Address ?? message.Sender?.Address ?? "(unknown sender)";
        var summary = $"\"{message.Subject ?? string.Empty}\" from {from}";
        return summary.Length <= MaxSummaryLength ? summary : summary[..MaxSummaryLength];
    }
}
