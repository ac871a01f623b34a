using System.Globalization;
using IntegrationHub.Legal;

namespace IntegrationHub.Sessions;

public static class SessionStatus
{
    public const string Draft = "draft";
    public const string Sent = "sent";
    public const string Cancelled = "cancelled";
}

/// <summary>A séance. Its start is a Europe/Paris wall-clock time; the rule applied is frozen with it.</summary>
public sealed class Session
{
    public const string LocalFormat = "yyyy-MM-dd'T'HH:mm";

    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid AssemblyId { get; set; }
    public string StartsAtLocal { get; set; } = "";
    public DateTimeOffset StartsAt { get; set; }
    public int DurationMinutes { get; set; }
    public string Place { get; set; } = "";
    public bool Urgent { get; set; }
    public string? UrgencyReason { get; set; }

    /// <summary>Held in several places by videoconference (<see cref="Legal.RemoteSessions"/>).</summary>
    public bool Hybrid { get; set; }

    public string Status { get; set; } = SessionStatus.Draft;
    public int Version { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancellationReason { get; set; }
    public int RuleNoticeDays { get; set; }
    public int RuleUrgentNoticeDays { get; set; }
    public bool RuleClearDays { get; set; }
    public bool RuleSynthesisNoteRequired { get; set; }
    public string RuleSource { get; set; } = "";
    public string RuleVersion { get; set; } = "";
    public DateOnly RuleEffectiveFrom { get; set; }
    public DateOnly LatestSendDate { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<AgendaItem> Items { get; set; } = [];

    public DateTime LocalStart => DateTime.ParseExact(StartsAtLocal, LocalFormat, CultureInfo.InvariantCulture);

    public DateOnly MeetingDate => DateOnly.FromDateTime(LocalStart);

    public DateTimeOffset EndsAt => StartsAt.AddMinutes(DurationMinutes);

    public ConvocationRule Rule => new(
        RuleNoticeDays, RuleUrgentNoticeDays, RuleClearDays, RuleSynthesisNoteRequired, RuleSource, RuleVersion, RuleEffectiveFrom);

    public void ApplyRule(ConvocationRule rule)
    {
        RuleNoticeDays = rule.NoticeDays;
        RuleUrgentNoticeDays = rule.UrgentNoticeDays;
        RuleClearDays = rule.ClearDays;
        RuleSynthesisNoteRequired = rule.SynthesisNoteRequired;
        RuleSource = rule.Source;
        RuleVersion = rule.Version;
        RuleEffectiveFrom = rule.EffectiveFrom;
        LatestSendDate = ConvocationDeadline.LatestSendDate(MeetingDate, rule, Urgent);
    }
}

public sealed class AgendaItem
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid SessionId { get; set; }
    public int Position { get; set; }
    public string Title { get; set; } = "";
    public string? Rapporteur { get; set; }
    public string? ActesNature { get; set; }
    public string? ActesMatiere { get; set; }
}
