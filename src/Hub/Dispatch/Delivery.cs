namespace IntegrationHub.Dispatch;

public sealed class Delivery
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }

    /// <summary>Set with <see cref="ConvocationId"/> for a convocation's deliveries; null for a mailing's.</summary>
    public Guid? SessionId { get; set; }

    public Guid? ConvocationId { get; set; }

    /// <summary>
    /// The member the delivery is for, read with the row (from its convocation or mailing recipient) so that recording
    /// each of its events as evidence needs no lookup; null only on a row built without it.
    /// </summary>
    public Guid? MemberId { get; set; }

    /// <summary>Set for the deliveries of a mailing (documents sent outside sessions); null for a convocation's.</summary>
    public Guid? MailingRecipientId { get; set; }

    public string Channel { get; set; } = "";
    public string Purpose { get; set; } = "";
    public int SessionVersion { get; set; }
    public string Status { get; set; } = DeliveryStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public DateTimeOffset? ClaimedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public string? ProviderMessageId { get; set; }
    public string? ProviderResponse { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>A new, pending delivery of a session's convocation through <paramref name="channel"/>.</summary>
    public static Delivery Pending(Sessions.Session session, Guid convocationId, string channel, string purpose, DateTimeOffset now, Guid? memberId = null) => new()
    {
        MemberId = memberId,
        Id = Guid.CreateVersion7(),
        AuthorityId = session.AuthorityId,
        SessionId = session.Id,
        ConvocationId = convocationId,
        Channel = channel,
        Purpose = purpose,
        SessionVersion = session.Version,
        Status = DeliveryStatus.Pending,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>Passed to the channel on every attempt, so a provider can recognise a repeat.</summary>
    public string IdempotencyKey => $"delivery-{Id:N}";
}
