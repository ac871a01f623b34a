namespace IntegrationHub.Evidence.Ledger;

/// <summary>
/// What an entry is about: only the identifiers that apply. They are hashed with the entry (member <c>subject</c>)
/// and copied into indexed columns so a session's or a member's evidence is found without reading every entry.
/// </summary>
public sealed record LedgerSubject(
    Guid? SessionId = null, Guid? ConvocationId = null, Guid? DeliveryId = null, Guid? MemberId = null, Guid? DocumentId = null)
{
    /// <summary>No subject (an entry about the authority itself).</summary>
    public static LedgerSubject None { get; } = new();
}
