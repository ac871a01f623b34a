namespace IntegrationHub.Dispatch;

public sealed class Delivery
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid SessionId { get; set; }
    public Guid ConvocationId { get; set; }
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

    /// <summary>Passed to the channel on every attempt, so a provider can recognise a repeat.</summary>
    public string IdempotencyKey => $"delivery-{Id:N}";
}
