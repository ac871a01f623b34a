namespace IntegrationHub.Evidence.Ledger;

/// <summary>
/// The <c>type</c> of a ledger entry: dotted lower-case names, <c>&lt;subject&gt;.&lt;what happened&gt;</c>. A type
/// is part of the hashed entry, so a name, once recorded, never changes.
/// </summary>
public static class LedgerEntryTypes
{
    /// <summary>The session and agenda as sent, with the SHA-256 of every document and the rule applied.</summary>
    public const string SessionSent = "session.sent";

    /// <summary>A change to a session already sent (date, place, agenda, documents).</summary>
    public const string SessionChanged = "session.changed";

    /// <summary>A session cancelled.</summary>
    public const string SessionCancelled = "session.cancelled";

    /// <summary>The latest lawful send date computed for a session, with the rule source and version.</summary>
    public const string SessionDeadlineComputed = "session.deadline_computed";

    /// <summary>One member's convocation composed: the SHA-256 of their message and its channels.</summary>
    public const string ConvocationComposed = "convocation.composed";

    /// <summary>A delivery written to the outbox (one member, one channel, one purpose).</summary>
    public const string DeliveryQueued = "delivery.queued";

    /// <summary>An attempt to hand a delivery to its channel failed for now; another is scheduled.</summary>
    public const string DeliveryAttempted = "delivery.attempted";

    /// <summary>Not sent because it no longer applied (the session was cancelled before it went out).</summary>
    public const string DeliverySuperseded = "delivery.superseded";

    /// <summary>A worker stopped before the provider answered: the attempt is not counted, the delivery is queued again.</summary>
    public const string DeliveryInterrupted = "delivery.interrupted";

    /// <summary>The channel accepted the delivery (SMTP reply and Message-ID, Twilio SID, Graph event id…).</summary>
    public const string DeliverySent = "delivery.sent";

    /// <summary>The delivery failed for good (permanent error or retries exhausted).</summary>
    public const string DeliveryFailed = "delivery.failed";

    /// <summary>A delivery report arrived: DSN, SMS status callback, bounce.</summary>
    public const string DeliveryReported = "delivery.reported";

    /// <summary>The member's first opening of their page or of a document.</summary>
    public const string DocumentOpened = "document.opened";

    /// <summary>A document downloaded by a member.</summary>
    public const string DocumentDownloaded = "document.downloaded";

    /// <summary>A member's answer (present, absent, excused).</summary>
    public const string AnswerRecorded = "answer.recorded";

    /// <summary>A proxy given by a member to another.</summary>
    public const string ProxyRecorded = "proxy.recorded";

    /// <summary>A validation decision in a circuit (approve, reject, delegate): who, how they proved it, on which dossier fingerprint.</summary>
    public const string ValidationDecided = "validation.decided";

    /// <summary>A validation circuit started on a dossier (its template's steps and the dossier's fingerprint).</summary>
    public const string ValidationStarted = "validation.started";

    /// <summary>A circuit started again from its first step: the dossier changed, or the secretariat restarted it (old and new fingerprints).</summary>
    public const string ValidationRestarted = "validation.restarted";

    /// <summary>A circuit cancelled by the secretariat.</summary>
    public const string ValidationCancelled = "validation.cancelled";

    /// <summary>A dossier sent by an administrator although its circuit had not approved it, with the reason given.</summary>
    public const string ValidationOverridden = "validation.overridden";

    /// <summary>A mailing (non-convocation message) sent to members.</summary>
    public const string MailingSent = "mailing.sent";
}
