namespace IntegrationHub.Plugins.Mailboxes;

/// <summary>
/// A mailbox the hub polls for what comes back from members and providers: delivery-status notifications (bounces)
/// and calendar answers. The connector reads and parses; the hub decides what each event changes.
/// </summary>
public interface IReplyMailbox
{
    /// <summary>Reads the events not yet acknowledged, oldest first.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events, each with the id to acknowledge it by.</returns>
    Task<IReadOnlyList<MailboxEvent>> FetchAsync(CancellationToken cancellationToken);

    /// <summary>Marks events as processed (for IMAP: moves the messages to a folder) so they are never read twice.</summary>
    /// <param name="eventIds">The <see cref="MailboxEvent.Id"/> values processed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task.</returns>
    Task AcknowledgeAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken);
}

/// <summary>Something read from a reply mailbox.</summary>
/// <param name="Id">The mailbox's id of the message it came from.</param>
/// <param name="ReceivedAt">When the mailbox received it.</param>
public abstract record MailboxEvent(string Id, DateTimeOffset ReceivedAt);

/// <summary>A delivery-status notification (RFC 3464) about a message the hub sent.</summary>
/// <param name="Id">The mailbox's id of the message it came from.</param>
/// <param name="ReceivedAt">When the mailbox received it.</param>
/// <param name="OriginalMessageId">The Message-ID of the message it reports on (without angle brackets), when present.</param>
/// <param name="OriginalEnvelopeId">The ENVID the hub gave when sending (RFC 3461), when present.</param>
/// <param name="Recipient">The final recipient it reports on.</param>
/// <param name="Action"><c>failed</c>, <c>delayed</c>, <c>delivered</c>, <c>relayed</c> or <c>expanded</c>.</param>
/// <param name="Status">The enhanced status code, for example <c>5.1.1</c>.</param>
/// <param name="Diagnostic">The remote server's diagnostic, verbatim.</param>
public sealed record DeliveryStatusReport(
    string Id,
    DateTimeOffset ReceivedAt,
    string? OriginalMessageId,
    string? OriginalEnvelopeId,
    string Recipient,
    string Action,
    string? Status,
    string? Diagnostic) : MailboxEvent(Id, ReceivedAt);

/// <summary>A member's answer from their own calendar client (iTIP <c>METHOD:REPLY</c>).</summary>
/// <param name="Id">The mailbox's id of the message it came from.</param>
/// <param name="ReceivedAt">When the mailbox received it.</param>
/// <param name="Uid">The UID of the invitation answered.</param>
/// <param name="Sequence">The SEQUENCE answered.</param>
/// <param name="AttendeeEmail">The attendee who answered.</param>
/// <param name="ParticipationStatus"><c>ACCEPTED</c>, <c>DECLINED</c> or <c>TENTATIVE</c>.</param>
public sealed record CalendarReply(
    string Id,
    DateTimeOffset ReceivedAt,
    string Uid,
    int Sequence,
    string AttendeeEmail,
    string ParticipationStatus) : MailboxEvent(Id, ReceivedAt);

/// <summary>A message the mailbox could not classify; acknowledged like the others so it is not read again.</summary>
/// <param name="Id">The mailbox's id of the message.</param>
/// <param name="ReceivedAt">When the mailbox received it.</param>
/// <param name="Summary">Subject and sender, for the log.</param>
public sealed record UnrecognisedMessage(string Id, DateTimeOffset ReceivedAt, string Summary) : MailboxEvent(Id, ReceivedAt);

/// <summary>Implemented by a connector type that also offers a reply mailbox for an instance's settings.</summary>
public interface IReplyMailboxProvider
{
    /// <summary>The mailbox for these settings, or <see langword="null"/> when the instance has no mailbox configured.</summary>
    /// <param name="settings">The instance's settings.</param>
    /// <param name="services">The hub's services.</param>
    /// <returns>The mailbox, or <see langword="null"/>.</returns>
    IReplyMailbox? CreateMailbox(Connectors.ConnectorSettings settings, IServiceProvider services);
}
