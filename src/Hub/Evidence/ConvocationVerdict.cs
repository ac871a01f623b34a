using IntegrationHub.Dispatch;
using IntegrationHub.Legal;
using IntegrationHub.Sessions;

namespace IntegrationHub.Evidence;

/// <summary>
/// Whether one member was convened in time (LEGAL.md §8 point 7): the Paris calendar day their convocation first left
/// the hub on any channel (for paper, the day it was posted) against the latest lawful sending day, with the rule that
/// gave that day. <c>Timely</c> is null while nothing has gone out and the last lawful day has not passed yet.
/// </summary>
public sealed record ConvocationVerdict(bool? Timely, DateOnly LatestSendDate, DateOnly? SentDate, string RuleSource, string RuleVersion)
{
    private static readonly string[] LeftTheHub = [DeliveryStatus.Sent, DeliveryStatus.Delivered];

    public static ConvocationVerdict Of(Session session, IEnumerable<Delivery> memberDeliveries, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        var firstSent = memberDeliveries
            // The calendar event is a courtesy, not the convocation: it carries neither the personal links nor the documents.
            .Where(d => d.Purpose == DeliveryPurpose.Convocation && d.Channel != ChannelNames.Calendar && LeftTheHub.Contains(d.Status) && d.SentAt is not null)
            .Select(d => d.SentAt!.Value)
            .Order()
            .FirstOrDefault();
        bool? timely = firstSent != default
            ? ConvocationDeadline.IsTimely(firstSent, session.MeetingDate, session.Rule, session.Urgent)
            : ParisTime.ToParisDate(now) > session.LatestSendDate ? false : null;
        return new ConvocationVerdict(
            timely, session.LatestSendDate, firstSent == default ? null : ParisTime.ToParisDate(firstSent), session.RuleSource, session.RuleVersion);
    }
}
