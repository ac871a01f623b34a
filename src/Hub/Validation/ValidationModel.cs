namespace IntegrationHub.Validation;

/// <summary>What an approver decides on a step.</summary>
public static class ValidationDecisions
{
    public const string Approve = "approve";
    public const string Reject = "reject";
    public const string Delegate = "delegate";

    public static bool IsKnown(string? decision) => decision is Approve or Reject or Delegate;
}

/// <summary>How a step with several approvers closes.</summary>
public static class ValidationRules
{
    /// <summary>The first approval closes the step.</summary>
    public const string Any = "any";

    /// <summary>Every approver must approve.</summary>
    public const string All = "all";

    public static bool IsKnown(string? rule) => rule is Any or All;
}

/// <summary>The state of a circuit as a whole.</summary>
public static class CircuitStates
{
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Cancelled = "cancelled";
}

/// <summary>The state of one step of a round.</summary>
public static class StepStates
{
    /// <summary>Not opened yet: an earlier step is still deciding.</summary>
    public const string Waiting = "waiting";
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";

    /// <summary>Never decided: its round was replaced by a restart, or its circuit cancelled (or sent by an admin's override).</summary>
    public const string Superseded = "superseded";
}

/// <summary>How approvers prove who they are before deciding (a signed link alone never does).</summary>
public static class ValidationProofs
{
    public const string Otp = "otp";
    public const string Oidc = "oidc";
}

/// <summary>Where a notice of the outbox stands.</summary>
public static class ValidationNoticeStatus
{
    public const string Pending = "pending";
    public const string Sent = "sent";

    /// <summary>Given up after the last retry, or no notifier of its channel is registered any more.</summary>
    public const string Failed = "failed";

    /// <summary>Not posted: the step it asked approvers to decide on was closed or replaced before it went out.</summary>
    public const string Superseded = "superseded";
}

/// <summary>What <see cref="ValidationService.DecideAsync"/> did.</summary>
public abstract record DecisionOutcome
{
    /// <summary>The decision was recorded; the step's and the circuit's states after it.</summary>
    public sealed record Recorded(string StepState, string CircuitState) : DecisionOutcome;

    /// <summary>The person is not (or no longer) an approver of this step: a forwarded link decides nothing.</summary>
    public sealed record NotAnApprover : DecisionOutcome;

    /// <summary>The step is not open for decisions (not yet, already decided, or replaced by a restart).</summary>
    public sealed record StepClosed(string State) : DecisionOutcome;

    /// <summary>The decision cannot be taken as given; the reason is for the approver, in French.</summary>
    public sealed record Invalid(string FrenchReason) : DecisionOutcome;
}

/// <summary>One step of a template (and of a circuit's round, which copies it).</summary>
public sealed record TemplateStep(string Name, IReadOnlyList<string> Approvers, string Rule, TimeSpan? Deadline, TimeSpan? Reminder);

public sealed class ValidationTemplate
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public string Name { get; set; } = "";
    public IReadOnlyList<TemplateStep> Steps { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ValidationCircuit
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid? SessionId { get; set; }
    public Guid? MailingId { get; set; }
    public Guid TemplateId { get; set; }
    public string TemplateName { get; set; } = "";
    public string State { get; set; } = CircuitStates.Pending;

    /// <summary>Which set of steps is current: 1 at start, +1 at each restart.</summary>
    public int Round { get; set; }

    /// <summary>How many different dossiers (fingerprints) this circuit has seen: 1 at start, +1 when the dossier changed.</summary>
    public int DossierVersion { get; set; }

    /// <summary>SHA-256 of the dossier the current round decides on (<see cref="DossierFingerprint"/>).</summary>
    public string DossierFingerprint { get; set; } = "";

    /// <summary>The position (1-based) of the step currently open, or of the step that closed the circuit.</summary>
    public int Position { get; set; }

    public int StepCount { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public string StartedBy { get; set; } = "";
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

public sealed class ValidationStep
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid CircuitId { get; set; }
    public int Round { get; set; }
    public int Position { get; set; }
    public string Name { get; set; } = "";
    public string Rule { get; set; } = ValidationRules.Any;
    public long? DeadlineAfterSeconds { get; set; }
    public long? RemindBeforeSeconds { get; set; }
    public string State { get; set; } = StepStates.Waiting;
    public DateTimeOffset? OpenedAt { get; set; }
    public DateTimeOffset? DeadlineAt { get; set; }
    public DateTimeOffset? RemindAt { get; set; }
    public DateTimeOffset? RemindedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class ValidationStepApprover
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid StepId { get; set; }
    public string Approver { get; set; } = "";
    public string? DelegatedFrom { get; set; }

    /// <summary>False once the approver delegated the step to someone else.</summary>
    public bool Active { get; set; }

    public string? Decision { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
}

public sealed class ValidationDecision
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid CircuitId { get; set; }
    public Guid StepId { get; set; }
    public int Round { get; set; }
    public int DossierVersion { get; set; }
    public string DossierFingerprint { get; set; } = "";
    public string Approver { get; set; } = "";
    public string Decision { get; set; } = "";
    public string? Comment { get; set; }
    public string? DelegateTo { get; set; }
    public string Proof { get; set; } = "";
    public DateTimeOffset DecidedAt { get; set; }

    public ValidationDecisionView ToView() => new(Approver, Decision, Comment, DelegateTo, DecidedAt, Proof);
}

public sealed class ValidationNoticeRow
{
    public Guid Id { get; set; }
    public Guid AuthorityId { get; set; }
    public Guid CircuitId { get; set; }
    public Guid StepId { get; set; }
    public Guid? DecisionId { get; set; }
    public string Kind { get; set; } = "";
    public string Channel { get; set; } = "";
    public string Status { get; set; } = ValidationNoticeStatus.Pending;
    public int Attempts { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
