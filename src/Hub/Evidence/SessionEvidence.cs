using IntegrationHub.Documents;
using IntegrationHub.Legal;
using IntegrationHub.Members;
using IntegrationHub.Sessions;

namespace IntegrationHub.Evidence;

/// <summary>
/// The data objects of the session entries of the evidence ledger (LEGAL.md §8: what, when, which rule). Kept in one
/// place so every entry about a session describes it the same way, and so the bundle's reader finds the same fields.
/// </summary>
public static class SessionEvidence
{
    /// <summary>The session as members were (or are being) told: time, place, urgency, videoconference, agenda, documents with their SHA-256, and the rule.</summary>
    public static object Snapshot(Session session, IReadOnlyList<SessionDocument> documents) => new
    {
        session.AssemblyId,
        session.Version,
        startsAtLocal = session.StartsAtLocal,
        timeZone = "Europe/Paris",
        session.StartsAt,
        session.DurationMinutes,
        session.Place,
        session.Urgent,
        session.UrgencyReason,
        // Held also by videoconference (CGCT L5211-11-1, L4132-9-1): the convocation says so, so it is part of what was approved and sent.
        session.Hybrid,
        agenda = session.Items.Select(i => new { i.Id, i.Position, i.Title, i.Rapporteur }),
        documents = documents.Select(d => new { d.Id, d.Kind, d.Name, d.ItemId, d.Version, d.Sha256, d.Size }),
        rule = new
        {
            noticeDays = session.RuleNoticeDays,
            urgentNoticeDays = session.RuleUrgentNoticeDays,
            clearDays = session.RuleClearDays,
            synthesisNoteRequired = session.RuleSynthesisNoteRequired,
            source = session.RuleSource,
            version = session.RuleVersion,
            effectiveFrom = session.RuleEffectiveFrom,
        },
        latestSendDate = session.LatestSendDate,
    };

    /// <summary>The verdict at the moment of sending: the Paris calendar day of dispatch against the latest lawful day (LEGAL.md §1.2).</summary>
    public static object Sending(Session session, IReadOnlyList<SessionDocument> documents, DateTimeOffset now) => new
    {
        session = Snapshot(session, documents),
        sentAt = now,
        sendDateParis = ParisTime.ToParisDate(now),
        timely = ConvocationDeadline.IsTimely(now, session.MeetingDate, session.Rule, session.Urgent),
    };

    /// <summary>Who is convened and where: the channel and address chosen by the member (CE n° 290687: the address must be theirs).</summary>
    public static object Convened(Member member, IReadOnlyList<string> channels) => new
    {
        memberId = member.Id,
        name = member.DisplayName,
        member.Email,
        member.Mobile,
        m365Upn = member.M365Upn,
        deliveryPreference = member.Delivery,
        paperRequestedOn = member.PaperRequestedOn,
        channels,
    };
}
