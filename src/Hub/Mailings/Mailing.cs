namespace IntegrationHub.Mailings;

/// <summary>
/// Documents the secretariat sends to one or several élus outside any session (« envoi dématérialisé de documents »:
/// courriers, notes d'information). Written as a draft, documents attached, then sent once; each recipient reads the
/// documents through a personal link bound to this mailing, and every opening and download is recorded.
/// </summary>
public sealed class Mailing
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public string Title { get; set; } = "";
    public string Message { get; set; } = "";
    public string Status { get; set; } = MailingStatus.Draft;

    /// <summary>Set at sending: the recipients' links stop working after it.</summary>
    public DateTimeOffset? LinksExpireAt { get; set; }

    /// <summary>How long the links stay valid after sending; kept in the draft, turned into <see cref="LinksExpireAt"/> at sending.</summary>
    public int LinkValidityDays { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset? SentAt { get; set; }
}

public static class MailingStatus
{
    public const string Draft = "draft";
    public const string Sent = "sent";
}

public sealed class MailingRecipient
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid MailingId { get; set; }
    public Guid MemberId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public sealed class MailingDocument
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid MailingId { get; set; }
    public string Name { get; set; } = "";
    public string MediaType { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public long Size { get; set; }
    public int Position { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
    public string UploadedBy { get; set; } = "";
}

/// <summary>A recipient's reading of a mailing: the first opening (kept once) and each download.</summary>
public sealed class MailingRead
{
    public Guid MemberId { get; set; }
    public Guid? DocumentId { get; set; }
    public string Access { get; set; } = "";
    public DateTimeOffset At { get; set; }
}
