using System.Data.Common;
using Dapper;
using Hangfire;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Mailings;
using IntegrationHub.Members;
using IntegrationHub.Sessions;

namespace IntegrationHub.Validation;

/// <summary>Whose dossier a circuit validates: a session's (convocation) or a mailing's (documents sent to élus).</summary>
public sealed record ValidationDossier(Guid AuthorityId, Guid? SessionId, Guid? MailingId)
{
    public static ValidationDossier Of(Session session) => new(session.AuthorityId, session.Id, null);

    public static ValidationDossier Of(Mailing mailing) => new(mailing.AuthorityId, null, mailing.Id);

    internal LedgerSubject Subject => SessionId is { } id ? new LedgerSubject(id) : LedgerSubject.None;
}

/// <summary>An administrator sending although the circuit has not approved this dossier, and why.</summary>
public sealed record ValidationOverride(string Reason, string By);

/// <summary>Why sending is refused: the circuit's state, and whether it approved another version of the dossier.</summary>
public sealed record ValidationBlock(Guid CircuitId, string CircuitState, bool DossierChanged);

/// <summary>
/// Validation circuits (issue 6): a dossier goes through ordered steps, each approved by any one or all of its approvers,
/// before it may be sent. Every change to a circuit locks its row first, writes its evidence entry and queues its
/// notices in the same transaction; notices are posted afterwards by <see cref="ValidationNoticeJob"/>.
/// </summary>
public sealed class ValidationService(
    ValidationStore store,
    EvidenceLedger ledger,
    IEnumerable<IValidationNotifier> notifiers,
    IBackgroundJobClient jobs,
    TimeProvider time,
    ILogger<ValidationService> logger)
{
    private readonly IReadOnlyList<IValidationNotifier> _notifiers = notifiers.ToList();

    /// <summary>
    /// Starts a circuit on a draft dossier from <paramref name="template"/>, or restarts the dossier's circuit (pending,
    /// approved or rejected) from its first step with the template's steps. Null when the dossier is no longer a draft.
    /// </summary>
    /// <exception cref="DbException">A unique violation when another start for the same dossier committed first.</exception>
    public async Task<ValidationCircuit?> StartAsync(
        ValidationDossier dossier, ValidationTemplate template, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dossier);
        ArgumentNullException.ThrowIfNull(template);
        var now = time.GetUtcNow();
        var notices = new List<Guid>();
        var circuit = await store.InTransactionAsync(async (connection, transaction) =>
        {
            // The circuit's lock first, then the dossier read under it: a change committed while this start waited is in
            // the fingerprint the approvers are asked about.
            var circuit = await LockActiveCircuitAsync(connection, transaction, dossier, CircuitStates.Pending, CircuitStates.Approved, CircuitStates.Rejected);
            if (await DossierFingerprint.CurrentAsync(connection, transaction, dossier) is not { Draft: true, Fingerprint: var fingerprint })
            {
                return null;
            }
            var steps = template.Steps.Select(s => (s.Name, s.Rule, s.Deadline, s.Reminder, Approvers: s.Approvers.Select(a => (a, (string?)null)).ToList())).ToList();
            if (circuit is not null)
            {
                var before = (circuit.DossierVersion, circuit.DossierFingerprint, circuit.State, circuit.TemplateId);
                await NewRoundAsync(connection, transaction, circuit, fingerprint, steps, now, notices, template);
                await ledger.AppendAsync(connection, transaction, dossier.AuthorityId, LedgerEntryTypes.ValidationRestarted, dossier.Subject, new
                {
                    circuitId = circuit.Id, dossier.MailingId, reason = "relancé par le secrétariat", by, at = now,
                    previousState = before.State, previousTemplateId = before.TemplateId, templateId = template.Id, templateName = template.Name,
                    previousDossierVersion = before.DossierVersion, previousFingerprint = before.DossierFingerprint,
                    dossierVersion = circuit.DossierVersion, fingerprint, round = circuit.Round, steps = template.Steps,
                }, now);
                return circuit;
            }
            circuit = new ValidationCircuit
            {
                Id = Guid.CreateVersion7(), AuthorityId = dossier.AuthorityId, SessionId = dossier.SessionId, MailingId = dossier.MailingId,
                TemplateId = template.Id, TemplateName = template.Name, State = CircuitStates.Pending, Round = 1, DossierVersion = 1,
                DossierFingerprint = fingerprint, Position = 1, StepCount = steps.Count, StartedAt = now, StartedBy = by, UpdatedAt = now,
            };
            await ValidationStore.InsertCircuitAsync(connection, transaction, circuit);
            await InsertRoundAsync(connection, transaction, circuit, steps, now, notices);
            await ledger.AppendAsync(connection, transaction, dossier.AuthorityId, LedgerEntryTypes.ValidationStarted, dossier.Subject, new
            {
                circuitId = circuit.Id, dossier.MailingId, by, at = now, templateId = template.Id, templateName = template.Name,
                dossierVersion = circuit.DossierVersion, fingerprint, steps = template.Steps,
            }, now);
            return circuit;
        }, cancellationToken);
        EnqueueNotices(notices);
        return circuit;
    }

    /// <summary>
    /// Called in the transaction that changes a session's dossier (its fields, agenda or documents): when the session has
    /// a pending or approved circuit and its fingerprint changed, the circuit restarts from its first step. Returns the
    /// notices to enqueue after the commit (<see cref="EnqueueNotices"/>).
    /// </summary>
    public async Task<IReadOnlyList<Guid>> SessionChangedAsync(DbConnection connection, DbTransaction transaction, Session session, string by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        return await RestartOnChangeAsync(connection, transaction, ValidationDossier.Of(session),
            () => DossierFingerprint.OfSessionAsync(connection, transaction, session), by, now);
    }

    /// <summary>The same for a mailing whose documents changed.</summary>
    public async Task<IReadOnlyList<Guid>> MailingChangedAsync(DbConnection connection, DbTransaction transaction, Mailing mailing, string by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(mailing);
        return await RestartOnChangeAsync(connection, transaction, ValidationDossier.Of(mailing),
            () => DossierFingerprint.OfMailingAsync(connection, transaction, mailing), by, now);
    }

    private async Task<IReadOnlyList<Guid>> RestartOnChangeAsync(
        DbConnection connection, DbTransaction transaction, ValidationDossier dossier, Func<Task<string>> currentFingerprint, string by, DateTimeOffset now)
    {
        // A rejected circuit waits for the secretariat to start it again once the dossier is fixed (several edits, one restart).
        // The fingerprint is read under the circuit's lock: two changes at once each see what the other committed, and
        // the second one restarts from the round the first one wrote.
        if (await LockActiveCircuitAsync(connection, transaction, dossier, CircuitStates.Pending, CircuitStates.Approved) is not { } circuit)
        {
            return [];
        }
        var fingerprint = await currentFingerprint();
        if (circuit.DossierFingerprint == fingerprint)
        {
            return [];
        }
        // The same steps again, with their approvers as they stand (a delegation outlives the restart), every decision reset.
        var current = await ValidationStore.StepsAsync(connection, transaction, circuit.Id, circuit.Round);
        var approvers = (await ValidationStore.ApproversAsync(connection, transaction, circuit.Id)).Where(a => a.Active).ToLookup(a => a.StepId);
        var steps = current.Select(s => (s.Name, s.Rule, Seconds(s.DeadlineAfterSeconds), Seconds(s.RemindBeforeSeconds),
            Approvers: approvers[s.Id].Select(a => (a.Approver, a.DelegatedFrom)).ToList())).ToList();
        var before = (circuit.DossierVersion, circuit.DossierFingerprint, circuit.State);
        var notices = new List<Guid>();
        await NewRoundAsync(connection, transaction, circuit, fingerprint, steps, now, notices, template: null);
        await ledger.AppendAsync(connection, transaction, dossier.AuthorityId, LedgerEntryTypes.ValidationRestarted, dossier.Subject, new
        {
            circuitId = circuit.Id, dossier.MailingId, reason = "dossier modifié", by, at = now, previousState = before.State,
            previousDossierVersion = before.DossierVersion, previousFingerprint = before.DossierFingerprint,
            dossierVersion = circuit.DossierVersion, fingerprint, round = circuit.Round,
        }, now);
        logger.LogInformation("Validation circuit {CircuitId} restarted: the dossier changed ({Old} → {New})", circuit.Id, before.DossierFingerprint, fingerprint);
        return notices;
    }

    /// <summary>
    /// Records an approver's decision on a step. <paramref name="approver"/> is the identity they proved
    /// (<paramref name="proof"/>: <c>otp</c>, <c>oidc</c>); only the step's current approvers can decide.
    /// </summary>
    public async Task<DecisionOutcome> DecideAsync(
        Guid stepId, string approver, string decision, string? comment, string? delegateTo, string proof, CancellationToken cancellationToken)
    {
        var who = Normalise(approver);
        comment = string.IsNullOrWhiteSpace(comment) ? null : comment.Trim();
        var delegatee = string.IsNullOrWhiteSpace(delegateTo) ? null : Normalise(delegateTo);
        if (!ValidationDecisions.IsKnown(decision))
        {
            return new DecisionOutcome.Invalid("Décision inconnue : choisissez de valider, de refuser ou de déléguer.");
        }
        if (decision == ValidationDecisions.Reject && comment is null)
        {
            return new DecisionOutcome.Invalid("Indiquez le motif du refus : il est transmis au secrétariat avec le dossier.");
        }
        if (decision == ValidationDecisions.Delegate && (delegatee is null || !MemberFieldsValidator.IsEmail(delegatee)))
        {
            return new DecisionOutcome.Invalid("Indiquez l'adresse électronique valide de la personne à qui vous déléguez cette validation.");
        }
        if (decision == ValidationDecisions.Delegate && delegatee == who)
        {
            return new DecisionOutcome.Invalid("Vous ne pouvez pas déléguer la validation à vous-même.");
        }
        if (string.IsNullOrWhiteSpace(proof))
        {
            return new DecisionOutcome.Invalid("L'identité de la personne qui décide doit être vérifiée.");
        }
        var now = time.GetUtcNow();
        var notices = new List<Guid>();
        var outcome = await store.InTransactionAsync<DecisionOutcome>(async (connection, transaction) =>
        {
            if (await ValidationStore.GetStepAsync(connection, transaction, stepId) is not { } step)
            {
                return new DecisionOutcome.NotAnApprover();
            }
            // The circuit's row lock first (as every change to a circuit), then the step's state read under it: two
            // approvers deciding at once are serialised, and the second sees the step the first one left.
            var locked = await ValidationStore.TryLockCircuitAsync(connection, transaction, step.CircuitId, CircuitStates.Pending);
            step = (await ValidationStore.GetStepAsync(connection, transaction, stepId))!;
            if (!locked || step.State != StepStates.Pending)
            {
                return new DecisionOutcome.StepClosed(step.State);
            }
            var approvers = await ValidationStore.StepApproversAsync(connection, transaction, stepId);
            var mine = approvers.FirstOrDefault(a => a.Active && a.Approver == who);
            if (mine is null)
            {
                return new DecisionOutcome.NotAnApprover();
            }
            if (mine.Decision is not null)
            {
                return new DecisionOutcome.Invalid("Vous avez déjà validé cette étape ; elle attend encore la décision des autres personnes.");
            }
            if (decision == ValidationDecisions.Delegate && approvers.Any(a => a.Active && a.Approver == delegatee))
            {
                return new DecisionOutcome.Invalid($"{delegatee} valide déjà cette étape : choisissez une autre personne.");
            }
            var circuit = await ValidationStore.GetCircuitAsync(connection, transaction, step.CircuitId);
            var recorded = new ValidationDecision
            {
                Id = Guid.CreateVersion7(), AuthorityId = circuit.AuthorityId, CircuitId = circuit.Id, StepId = step.Id, Round = step.Round,
                DossierVersion = circuit.DossierVersion, DossierFingerprint = circuit.DossierFingerprint, Approver = who, Decision = decision,
                Comment = comment, DelegateTo = decision == ValidationDecisions.Delegate ? delegatee : null, Proof = proof, DecidedAt = now,
            };
            await ValidationStore.InsertDecisionAsync(connection, transaction, recorded);
            mine.Decision = decision;
            mine.DecidedAt = now;
            if (decision == ValidationDecisions.Delegate)
            {
                // The delegate replaces the delegating approver on this step only; the history keeps both.
                mine.Active = false;
                await ValidationStore.InsertApproverAsync(connection, transaction, new ValidationStepApprover
                {
                    Id = Guid.CreateVersion7(), AuthorityId = circuit.AuthorityId, StepId = step.Id, Approver = delegatee!, DelegatedFrom = who, Active = true,
                });
            }
            await ValidationStore.UpdateApproverAsync(connection, transaction, mine);
            await QueueNoticesAsync(connection, transaction, circuit, step.Id, ValidationNoticeKinds.StepDecided, recorded.Id, now, notices);

            var stepState = StepStates.Pending;
            if (decision == ValidationDecisions.Reject)
            {
                // The dossier returns to the secretariat: the circuit ends rejected, the session or mailing stays a draft.
                stepState = await CloseStepAsync(connection, transaction, step, StepStates.Rejected, now);
                await ValidationStore.SupersedeOpenStepsAsync(connection, transaction, circuit.Id, circuit.Round, now);
                circuit.State = CircuitStates.Rejected;
                circuit.FinishedAt = now;
            }
            else if (decision == ValidationDecisions.Approve
                && (step.Rule == ValidationRules.Any || approvers.All(a => !a.Active || a.Decision == ValidationDecisions.Approve)))
            {
                stepState = await CloseStepAsync(connection, transaction, step, StepStates.Approved, now);
                var next = (await ValidationStore.StepsAsync(connection, transaction, circuit.Id, circuit.Round)).FirstOrDefault(s => s.Position == step.Position + 1);
                if (next is null)
                {
                    circuit.State = CircuitStates.Approved;
                    circuit.FinishedAt = now;
                }
                else
                {
                    circuit.Position = next.Position;
                    await OpenStepAsync(connection, transaction, circuit, next, now, notices);
                }
            }
            circuit.UpdatedAt = now;
            await ValidationStore.UpdateCircuitAsync(connection, transaction, circuit);
            if (circuit.State != CircuitStates.Pending)
            {
                await QueueNoticesAsync(connection, transaction, circuit, step.Id, ValidationNoticeKinds.CircuitFinished, recorded.Id, now, notices);
            }
            await ledger.AppendAsync(connection, transaction, circuit.AuthorityId, LedgerEntryTypes.ValidationDecided,
                new ValidationDossier(circuit.AuthorityId, circuit.SessionId, circuit.MailingId).Subject, new
                {
                    circuitId = circuit.Id, circuit.MailingId, stepId = step.Id, stepName = step.Name, step.Position, step.Round,
                    approver = who, decision, comment, delegateTo = recorded.DelegateTo, proof, at = now,
                    dossierVersion = circuit.DossierVersion, fingerprint = circuit.DossierFingerprint, stepState, circuitState = circuit.State,
                }, now);
            return new DecisionOutcome.Recorded(stepState, circuit.State);
        }, cancellationToken);
        EnqueueNotices(notices);
        return outcome;
    }

    /// <summary>Cancels the dossier's circuit (any state but cancelled); false when there is none.</summary>
    public async Task<bool> CancelAsync(ValidationDossier dossier, string by, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dossier);
        var now = time.GetUtcNow();
        var notices = new List<Guid>();
        var cancelled = await store.InTransactionAsync((connection, transaction) => CancelAsync(connection, transaction, dossier, by, reason, now, notices), cancellationToken);
        EnqueueNotices(notices);
        return cancelled;
    }

    /// <summary>The same in the caller's transaction (a session cancelled while its circuit runs ends the circuit with it).</summary>
    public async Task<bool> CancelAsync(
        DbConnection connection, DbTransaction transaction, ValidationDossier dossier, string by, string reason, DateTimeOffset now, List<Guid>? notices = null)
    {
        ArgumentNullException.ThrowIfNull(dossier);
        if (await LockActiveCircuitAsync(connection, transaction, dossier, CircuitStates.Pending, CircuitStates.Approved, CircuitStates.Rejected) is not { } circuit)
        {
            return false;
        }
        var previousState = circuit.State;
        await EndAsync(connection, transaction, circuit, now, notices);
        await ledger.AppendAsync(connection, transaction, dossier.AuthorityId, LedgerEntryTypes.ValidationCancelled, dossier.Subject, new
        {
            circuitId = circuit.Id, dossier.MailingId, by, reason, at = now, previousState,
            dossierVersion = circuit.DossierVersion, fingerprint = circuit.DossierFingerprint,
        }, now);
        return true;
    }

    /// <summary>
    /// The send check, in the sending transaction: a dossier with a circuit leaves only once the circuit approved this
    /// very fingerprint (a change the restart hooks missed is caught here). An administrator's override lets it leave
    /// anyway, recorded as evidence; a pending circuit then ends (its approvers are not asked any more). Null: send.
    /// </summary>
    public async Task<ValidationBlock?> CheckSendAsync(
        DbConnection connection, DbTransaction transaction, ValidationDossier dossier, string fingerprint, ValidationOverride? validationOverride,
        DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(dossier);
        // Locked before reading its state, even on the approved path: a restart or a cancel waiting on it commits after
        // this send, and one that committed first is what this send sees.
        var circuit = await LockActiveCircuitAsync(connection, transaction, dossier, CircuitStates.Pending, CircuitStates.Approved, CircuitStates.Rejected);
        if (circuit is null)
        {
            return null;
        }
        var changed = circuit.DossierFingerprint != fingerprint;
        if (circuit.State == CircuitStates.Approved && !changed)
        {
            return null;
        }
        if (validationOverride is null)
        {
            return new ValidationBlock(circuit.Id, circuit.State, changed);
        }
        var previousState = circuit.State;
        if (circuit.State == CircuitStates.Pending)
        {
            await EndAsync(connection, transaction, circuit, now);
        }
        await ledger.AppendAsync(connection, transaction, dossier.AuthorityId, LedgerEntryTypes.ValidationOverridden, dossier.Subject, new
        {
            circuitId = circuit.Id, dossier.MailingId, by = validationOverride.By, reason = validationOverride.Reason, at = now,
            circuitState = previousState, circuitStateAfter = circuit.State, dossierVersion = circuit.DossierVersion,
            approvedFingerprint = circuit.DossierFingerprint, sentFingerprint = fingerprint,
        }, now);
        logger.LogWarning("Validation circuit {CircuitId} ({State}) overridden by {By}", circuit.Id, previousState, validationOverride.By);
        return null;
    }

    /// <summary>The step as approvers see it; null when it does not exist.</summary>
    public async Task<ValidationStepView?> GetStepAsync(Guid stepId, CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        if (await ValidationStore.GetStepAsync(connection, null, stepId) is not { } step)
        {
            return null;
        }
        var circuit = await ValidationStore.GetCircuitAsync(connection, null, step.CircuitId);
        var approvers = await ValidationStore.StepApproversAsync(connection, null, stepId);
        var active = approvers.Where(a => a.Active).ToList();
        return new ValidationStepView(
            circuit.AuthorityId, circuit.Id, step.Id, circuit.SessionId, circuit.MailingId, await TitleAsync(connection, circuit), circuit.DossierVersion,
            step.Position, circuit.StepCount, step.Name, step.Rule, active.Select(a => a.Approver).ToList(),
            step.State == StepStates.Pending ? active.Where(a => a.Decision is null).Select(a => a.Approver).ToList() : [],
            step.DeadlineAt, step.State, circuit.State);
    }

    /// <summary>Hangfire jobs for notices written by a committed transaction (the sweep finds any not enqueued).</summary>
    public void EnqueueNotices(IEnumerable<Guid> noticeIds)
    {
        foreach (var id in noticeIds)
        {
            jobs.Enqueue<ValidationNoticeJob>(j => j.RunAsync(id, CancellationToken.None));
        }
    }

    /// <summary>Queues a step's reminder once (deadline − reminder reached); false when another node already did.</summary>
    internal async Task<bool> RemindAsync(ValidationStep step, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var notices = new List<Guid>();
        var reminded = await store.InTransactionAsync(async (connection, transaction) =>
        {
            if (!await ValidationStore.TryLockCircuitAsync(connection, transaction, step.CircuitId, CircuitStates.Pending)
                || !await ValidationStore.TryMarkRemindedAsync(connection, transaction, step.Id, now))
            {
                return false;
            }
            var circuit = await ValidationStore.GetCircuitAsync(connection, transaction, step.CircuitId);
            await QueueNoticesAsync(connection, transaction, circuit, step.Id, ValidationNoticeKinds.StepReminder, null, now, notices);
            return true;
        }, cancellationToken);
        EnqueueNotices(notices);
        return reminded;
    }

    internal static async Task<string> TitleAsync(DbConnection connection, ValidationCircuit circuit)
    {
        if (circuit.MailingId is { } mailingId)
        {
            return await connection.ExecuteScalarAsync<string>("SELECT title FROM mailings WHERE id = @mailingId", new { mailingId }) ?? "";
        }
        var row = await connection.QuerySingleAsync<(string Name, string StartsAtLocal)>(
            "SELECT a.name AS Name, s.starts_at_local AS StartsAtLocal FROM sessions s JOIN assemblies a ON a.id = s.assembly_id WHERE s.id = @SessionId",
            new { circuit.SessionId });
        var local = DateTime.ParseExact(row.StartsAtLocal, Session.LocalFormat, System.Globalization.CultureInfo.InvariantCulture);
        return $"{row.Name} — séance du {Text.French.DateAndTime(local)}";
    }

    internal static string Normalise(string address) => address.Trim().ToLowerInvariant();

    /// <summary>
    /// The dossier's active circuit, row-locked and read again under the lock: the row read before the lock may be stale
    /// (on PostgreSQL's READ COMMITTED another transaction may have restarted or cancelled it while this one waited).
    /// Null when there is none, or when it is no longer in one of <paramref name="states"/>.
    /// </summary>
    private static async Task<ValidationCircuit?> LockActiveCircuitAsync(
        DbConnection connection, DbTransaction transaction, ValidationDossier dossier, params string[] states) =>
        await ValidationStore.ActiveCircuitAsync(connection, transaction, dossier.SessionId, dossier.MailingId) is { } circuit
        && await ValidationStore.TryLockCircuitAsync(connection, transaction, circuit.Id, states)
            ? await ValidationStore.GetCircuitAsync(connection, transaction, circuit.Id)
            : null;

    private static TimeSpan? Seconds(long? seconds) => seconds is { } s ? TimeSpan.FromSeconds(s) : null;

    /// <summary>Supersedes the current round and writes the next one, its first step open; the circuit is pending again.</summary>
    private async Task NewRoundAsync(
        DbConnection connection, DbTransaction transaction, ValidationCircuit circuit, string fingerprint,
        IReadOnlyList<(string Name, string Rule, TimeSpan? Deadline, TimeSpan? Reminder, List<(string Approver, string? DelegatedFrom)> Approvers)> steps,
        DateTimeOffset now, List<Guid> notices, ValidationTemplate? template)
    {
        await ValidationStore.SupersedeOpenStepsAsync(connection, transaction, circuit.Id, circuit.Round, now);
        if (template is not null)
        {
            circuit.TemplateId = template.Id;
            circuit.TemplateName = template.Name;
        }
        if (circuit.DossierFingerprint != fingerprint)
        {
            circuit.DossierVersion++;
            circuit.DossierFingerprint = fingerprint;
        }
        circuit.Round++;
        circuit.State = CircuitStates.Pending;
        circuit.Position = 1;
        circuit.StepCount = steps.Count;
        circuit.UpdatedAt = now;
        circuit.FinishedAt = null;
        await ValidationStore.UpdateCircuitAsync(connection, transaction, circuit);
        await InsertRoundAsync(connection, transaction, circuit, steps, now, notices);
    }

    private async Task InsertRoundAsync(
        DbConnection connection, DbTransaction transaction, ValidationCircuit circuit,
        IReadOnlyList<(string Name, string Rule, TimeSpan? Deadline, TimeSpan? Reminder, List<(string Approver, string? DelegatedFrom)> Approvers)> steps,
        DateTimeOffset now, List<Guid> notices)
    {
        ValidationStep? first = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var (name, rule, deadline, reminder, approvers) = steps[i];
            var step = new ValidationStep
            {
                Id = Guid.CreateVersion7(), AuthorityId = circuit.AuthorityId, CircuitId = circuit.Id, Round = circuit.Round, Position = i + 1,
                Name = name, Rule = rule, DeadlineAfterSeconds = (long?)deadline?.TotalSeconds, RemindBeforeSeconds = (long?)reminder?.TotalSeconds,
                State = StepStates.Waiting, UpdatedAt = now,
            };
            await ValidationStore.InsertStepAsync(connection, transaction, step);
            foreach (var (approver, delegatedFrom) in approvers)
            {
                await ValidationStore.InsertApproverAsync(connection, transaction, new ValidationStepApprover
                {
                    Id = Guid.CreateVersion7(), AuthorityId = circuit.AuthorityId, StepId = step.Id, Approver = approver, DelegatedFrom = delegatedFrom, Active = true,
                });
            }
            first ??= step;
        }
        await OpenStepAsync(connection, transaction, circuit, first!, now, notices);
    }

    /// <summary>Opens a step: its deadline (and reminder) count from now.</summary>
    private async Task OpenStepAsync(DbConnection connection, DbTransaction transaction, ValidationCircuit circuit, ValidationStep step, DateTimeOffset now, List<Guid> notices)
    {
        step.State = StepStates.Pending;
        step.OpenedAt = now;
        step.DeadlineAt = step.DeadlineAfterSeconds is { } after ? now.AddSeconds(after) : null;
        step.RemindAt = step.DeadlineAt is { } deadline && step.RemindBeforeSeconds is { } before ? deadline.AddSeconds(-before) : null;
        step.RemindedAt = null;
        step.UpdatedAt = now;
        await ValidationStore.UpdateStepAsync(connection, transaction, step);
        await QueueNoticesAsync(connection, transaction, circuit, step.Id, ValidationNoticeKinds.StepOpened, null, now, notices);
    }

    private static async Task<string> CloseStepAsync(DbConnection connection, DbTransaction transaction, ValidationStep step, string state, DateTimeOffset now)
    {
        // Under the circuit's lock the step is still pending; the condition is the last guard against opening the next step twice.
        if (!await ValidationStore.TryCloseStepAsync(connection, transaction, step.Id, state, now))
        {
            throw new InvalidOperationException($"Validation step {step.Id} was closed concurrently.");
        }
        return state;
    }

    /// <summary>
    /// Cancels a circuit: its undecided steps are superseded, and approvers are told it is over (a circuit-finished
    /// notice on its current step). Inside another feature's transaction nobody enqueues that notice: the recurring
    /// sweep posts it within <c>Hub:Validation:SweepInterval</c>.
    /// </summary>
    private async Task EndAsync(DbConnection connection, DbTransaction transaction, ValidationCircuit circuit, DateTimeOffset now, List<Guid>? notices = null)
    {
        await ValidationStore.SupersedeOpenStepsAsync(connection, transaction, circuit.Id, circuit.Round, now);
        circuit.State = CircuitStates.Cancelled;
        circuit.UpdatedAt = now;
        circuit.FinishedAt = now;
        await ValidationStore.UpdateCircuitAsync(connection, transaction, circuit);
        var current = (await ValidationStore.StepsAsync(connection, transaction, circuit.Id, circuit.Round)).First(s => s.Position == circuit.Position);
        await QueueNoticesAsync(connection, transaction, circuit, current.Id, ValidationNoticeKinds.CircuitFinished, null, now, notices ?? []);
    }

    /// <summary>One notice per notifier the authority configured, written with the change they tell about.</summary>
    private async Task QueueNoticesAsync(
        DbConnection connection, DbTransaction transaction, ValidationCircuit circuit, Guid stepId, string kind, Guid? decisionId, DateTimeOffset now,
        List<Guid> notices)
    {
        foreach (var notifier in _notifiers)
        {
            if (!await notifier.IsConfiguredAsync(circuit.AuthorityId, CancellationToken.None))
            {
                continue;
            }
            var notice = new ValidationNoticeRow
            {
                Id = Guid.CreateVersion7(), AuthorityId = circuit.AuthorityId, CircuitId = circuit.Id, StepId = stepId, DecisionId = decisionId, Kind = kind,
                Channel = notifier.Channel, Status = ValidationNoticeStatus.Pending, NextAttemptAt = now, CreatedAt = now, UpdatedAt = now,
            };
            await ValidationStore.InsertNoticeAsync(connection, transaction, notice);
            notices.Add(notice.Id);
        }
    }
}

/// <summary>Thrown inside a sending transaction to roll it back when the circuit blocks the dossier.</summary>
public sealed class ValidationBlockedException(ValidationBlock block) : Exception($"Validation circuit {block.CircuitId} is {block.CircuitState}.")
{
    public ValidationBlock Block { get; } = block;
}
