namespace IntegrationHub.Validation;

/// <summary>
/// Tells approvers (and the secretariat) that a circuit step needs them, is overdue, or was decided. Notices are written
/// in the same transaction as the circuit's change and sent afterwards by a job, once per notifier, with retries: a
/// notice accepted by the database is never lost, and a Teams or email outage only delays it.
/// </summary>
public interface IValidationNotifier
{
    /// <summary>The surface this notifier posts to, for example <c>email</c> or <c>teams</c>.</summary>
    string Channel { get; }

    /// <summary>Whether the authority configured this surface (a notice is only queued for configured ones).</summary>
    Task<bool> IsConfiguredAsync(Guid authorityId, CancellationToken cancellationToken);

    /// <summary>Posts one notice. Throws when it should be tried again later.</summary>
    Task NotifyAsync(ValidationNotice notice, CancellationToken cancellationToken);
}

/// <summary>What a notice is about.</summary>
public static class ValidationNoticeKinds
{
    public const string StepOpened = "step-opened";
    public const string StepReminder = "step-reminder";
    public const string StepDecided = "step-decided";
    public const string CircuitFinished = "circuit-finished";
}

/// <summary>One notice to post: the step as it stands, and the decision that caused it when there is one.</summary>
public sealed record ValidationNotice(Guid NoticeId, string Kind, ValidationStepView Step, ValidationDecisionView? Decision);

/// <summary>A step of a circuit as approvers see it. <see cref="Title"/> is the session's or the mailing's title.</summary>
public sealed record ValidationStepView(
    Guid AuthorityId,
    Guid CircuitId,
    Guid StepId,
    Guid? SessionId,
    Guid? MailingId,
    string Title,
    int DossierVersion,
    int Position,
    int StepCount,
    string StepName,
    string Rule,
    IReadOnlyList<string> Approvers,
    IReadOnlyList<string> PendingApprovers,
    DateTimeOffset? Deadline,
    string State,
    string CircuitState);

/// <summary>A decision as recorded: who (their proven identity), what, when, and how they proved who they are.</summary>
public sealed record ValidationDecisionView(string Approver, string Decision, string? Comment, string? DelegateTo, DateTimeOffset At, string Proof);
