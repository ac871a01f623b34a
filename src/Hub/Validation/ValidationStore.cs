using System.Data.Common;
using System.Text.Json;
using Dapper;
using IntegrationHub.Persistence;

namespace IntegrationHub.Validation;

/// <summary>The SQL of validation circuits: templates, circuits, their rounds of steps, approvers, decisions and notices.</summary>
public sealed class ValidationStore(HubDatabase database)
{
    internal const string CircuitColumns =
        """
        id AS Id, authority_id AS AuthorityId, session_id AS SessionId, mailing_id AS MailingId, template_id AS TemplateId,
        template_name AS TemplateName, state AS State, round AS Round, dossier_version AS DossierVersion,
        dossier_fingerprint AS DossierFingerprint, position AS Position, step_count AS StepCount, started_at AS StartedAt,
        started_by AS StartedBy, updated_at AS UpdatedAt, finished_at AS FinishedAt
        """;

    private const string StepColumns =
        """
        id AS Id, authority_id AS AuthorityId, circuit_id AS CircuitId, round AS Round, position AS Position, name AS Name,
        approval_rule AS Rule, deadline_after_seconds AS DeadlineAfterSeconds, remind_before_seconds AS RemindBeforeSeconds,
        state AS State, opened_at AS OpenedAt, deadline_at AS DeadlineAt, remind_at AS RemindAt, reminded_at AS RemindedAt,
        closed_at AS ClosedAt, updated_at AS UpdatedAt
        """;

    private const string ApproverColumns =
        """
        id AS Id, authority_id AS AuthorityId, step_id AS StepId, approver AS Approver, delegated_from AS DelegatedFrom,
        active AS Active, decision AS Decision, decided_at AS DecidedAt
        """;

    private const string DecisionColumns =
        """
        id AS Id, authority_id AS AuthorityId, circuit_id AS CircuitId, step_id AS StepId, round AS Round, dossier_version AS DossierVersion,
        dossier_fingerprint AS DossierFingerprint, approver AS Approver, decision AS Decision, comment AS Comment,
        delegate_to AS DelegateTo, proof AS Proof, decided_at AS DecidedAt
        """;

    private const string NoticeColumns =
        """
        id AS Id, authority_id AS AuthorityId, circuit_id AS CircuitId, step_id AS StepId, decision_id AS DecisionId, kind AS Kind,
        channel AS Channel, status AS Status, attempts AS Attempts, next_attempt_at AS NextAttemptAt, last_error AS LastError,
        sent_at AS SentAt, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    private const string TemplateColumns =
        """
        id AS Id, authority_id AS AuthorityId, name AS Name, steps AS StepsJson, created_at AS CreatedAt, created_by AS CreatedBy,
        updated_at AS UpdatedAt
        """;

    private static readonly JsonSerializerOptions StepsJson = new(JsonSerializerDefaults.Web);

    public Task<DbConnection> OpenAsync(CancellationToken cancellationToken) => database.OpenAsync(cancellationToken);

    public Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        database.InTransactionAsync(work, cancellationToken);

    // Templates

    public Task InsertTemplateAsync(ValidationTemplate template, CancellationToken cancellationToken) =>
        database.ExecuteWriteAsync(
            """
            INSERT INTO validation_templates (id, authority_id, name, steps, created_at, created_by, updated_at)
            VALUES (@Id, @AuthorityId, @Name, @steps, @CreatedAt, @CreatedBy, @UpdatedAt)
            """,
            new { template.Id, template.AuthorityId, template.Name, steps = JsonSerializer.Serialize(template.Steps, StepsJson), template.CreatedAt, template.CreatedBy, template.UpdatedAt },
            cancellationToken);

    public async Task<bool> UpdateTemplateAsync(ValidationTemplate template, CancellationToken cancellationToken) =>
        await database.ExecuteWriteAsync(
            "UPDATE validation_templates SET name = @Name, steps = @steps, updated_at = @UpdatedAt WHERE id = @Id AND deleted_at IS NULL",
            new { template.Id, template.Name, steps = JsonSerializer.Serialize(template.Steps, StepsJson), template.UpdatedAt }, cancellationToken) == 1;

    /// <summary>Hides a template unless a pending circuit uses it (the check and the change are one statement).</summary>
    public async Task<bool> TryDeleteTemplateAsync(Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        await database.ExecuteWriteAsync(
            """
            UPDATE validation_templates SET deleted_at = @now, updated_at = @now
            WHERE id = @id AND deleted_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM validation_circuits WHERE template_id = @id AND state = @pending)
            """,
            new { id, now, pending = CircuitStates.Pending }, cancellationToken) == 1;

    public async Task<ValidationTemplate?> GetTemplateAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<TemplateRow>(
            $"SELECT {TemplateColumns} FROM validation_templates WHERE id = @id AND deleted_at IS NULL", new { id });
        return row?.ToTemplate();
    }

    public async Task<IReadOnlyList<ValidationTemplate>> ListTemplatesAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TemplateRow>(
            $"SELECT {TemplateColumns} FROM validation_templates WHERE authority_id = @authorityId AND deleted_at IS NULL ORDER BY name, created_at",
            new { authorityId });
        return rows.Select(r => r.ToTemplate()).ToList();
    }

    // Circuits

    /// <summary>The circuit of a session (or mailing) that is not cancelled; at most one exists (a unique index).</summary>
    public static Task<ValidationCircuit?> ActiveCircuitAsync(DbConnection connection, DbTransaction? transaction, Guid? sessionId, Guid? mailingId) =>
        connection.QuerySingleOrDefaultAsync<ValidationCircuit?>(
            $"""
            SELECT {CircuitColumns} FROM validation_circuits
            WHERE {(sessionId is null ? "mailing_id = @mailingId" : "session_id = @sessionId")} AND state <> @cancelled
            """,
            new { sessionId, mailingId, cancelled = CircuitStates.Cancelled }, transaction);

    /// <summary>The circuit to show for a dossier: the active one, else the latest cancelled one.</summary>
    public async Task<ValidationCircuit?> CurrentCircuitAsync(Guid? sessionId, Guid? mailingId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<ValidationCircuit>(
            $"""
            SELECT {CircuitColumns} FROM validation_circuits
            WHERE {(sessionId is null ? "mailing_id = @mailingId" : "session_id = @sessionId")}
            """,
            new { sessionId, mailingId });
        return rows.OrderBy(c => c.State == CircuitStates.Cancelled).ThenByDescending(c => c.UpdatedAt).FirstOrDefault();
    }

    public static Task<ValidationCircuit> GetCircuitAsync(DbConnection connection, DbTransaction? transaction, Guid id) =>
        connection.QuerySingleAsync<ValidationCircuit>($"SELECT {CircuitColumns} FROM validation_circuits WHERE id = @id", new { id }, transaction);

    public static Task InsertCircuitAsync(DbConnection connection, DbTransaction transaction, ValidationCircuit circuit) =>
        connection.ExecuteAsync(
            """
            INSERT INTO validation_circuits (id, authority_id, session_id, mailing_id, template_id, template_name, state, round, dossier_version,
                dossier_fingerprint, position, step_count, started_at, started_by, updated_at, finished_at)
            VALUES (@Id, @AuthorityId, @SessionId, @MailingId, @TemplateId, @TemplateName, @State, @Round, @DossierVersion,
                @DossierFingerprint, @Position, @StepCount, @StartedAt, @StartedBy, @UpdatedAt, @FinishedAt)
            """,
            circuit, transaction);

    /// <summary>
    /// Takes the circuit's row lock (PostgreSQL, SQL Server; SQLite writers are serialised by BEGIN IMMEDIATE) when it is
    /// still in one of <paramref name="expectedStates"/>: every change to a circuit starts here, so two of them never interleave.
    /// </summary>
    public static async Task<bool> TryLockCircuitAsync(DbConnection connection, DbTransaction transaction, Guid id, params string[] expectedStates)
    {
        // One parameter per state: Dapper hands a list to Npgsql as an array, which "IN" does not take.
        var parameters = new DynamicParameters(new { id });
        for (var i = 0; i < expectedStates.Length; i++)
        {
            parameters.Add($"s{i}", expectedStates[i]);
        }
        var states = string.Join(", ", expectedStates.Select((_, i) => $"@s{i}"));
        return await connection.ExecuteAsync(
            $"UPDATE validation_circuits SET state = state WHERE id = @id AND state IN ({states})", parameters, transaction) == 1;
    }

    public static Task UpdateCircuitAsync(DbConnection connection, DbTransaction transaction, ValidationCircuit circuit) =>
        connection.ExecuteAsync(
            """
            UPDATE validation_circuits SET template_id = @TemplateId, template_name = @TemplateName, state = @State, round = @Round,
                dossier_version = @DossierVersion, dossier_fingerprint = @DossierFingerprint, position = @Position, step_count = @StepCount,
                updated_at = @UpdatedAt, finished_at = @FinishedAt
            WHERE id = @Id
            """,
            circuit, transaction);

    // Steps and approvers

    public static Task InsertStepAsync(DbConnection connection, DbTransaction transaction, ValidationStep step) =>
        connection.ExecuteAsync(
            """
            INSERT INTO validation_steps (id, authority_id, circuit_id, round, position, name, approval_rule, deadline_after_seconds,
                remind_before_seconds, state, opened_at, deadline_at, remind_at, reminded_at, closed_at, updated_at)
            VALUES (@Id, @AuthorityId, @CircuitId, @Round, @Position, @Name, @Rule, @DeadlineAfterSeconds,
                @RemindBeforeSeconds, @State, @OpenedAt, @DeadlineAt, @RemindAt, @RemindedAt, @ClosedAt, @UpdatedAt)
            """,
            step, transaction);

    public static Task UpdateStepAsync(DbConnection connection, DbTransaction transaction, ValidationStep step) =>
        connection.ExecuteAsync(
            """
            UPDATE validation_steps SET state = @State, opened_at = @OpenedAt, deadline_at = @DeadlineAt, remind_at = @RemindAt,
                reminded_at = @RemindedAt, closed_at = @ClosedAt, updated_at = @UpdatedAt
            WHERE id = @Id
            """,
            step, transaction);

    /// <summary>Closes a pending step; false when it was not pending any more (another decision closed it first).</summary>
    public static async Task<bool> TryCloseStepAsync(DbConnection connection, DbTransaction transaction, Guid id, string state, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "UPDATE validation_steps SET state = @state, closed_at = @now, updated_at = @now WHERE id = @id AND state = @pending",
            new { id, state, now, pending = StepStates.Pending }, transaction) == 1;

    /// <summary>Marks the steps of a round that were never decided as superseded (restart, cancellation, override).</summary>
    public static Task SupersedeOpenStepsAsync(DbConnection connection, DbTransaction transaction, Guid circuitId, int round, DateTimeOffset now) =>
        connection.ExecuteAsync(
            """
            UPDATE validation_steps SET state = @superseded, closed_at = @now, updated_at = @now
            WHERE circuit_id = @circuitId AND round = @round AND state IN (@waiting, @pending)
            """,
            new { circuitId, round, now, superseded = StepStates.Superseded, waiting = StepStates.Waiting, pending = StepStates.Pending }, transaction);

    public static Task<ValidationStep?> GetStepAsync(DbConnection connection, DbTransaction? transaction, Guid id) =>
        connection.QuerySingleOrDefaultAsync<ValidationStep?>($"SELECT {StepColumns} FROM validation_steps WHERE id = @id", new { id }, transaction);

    public static async Task<IReadOnlyList<ValidationStep>> StepsAsync(DbConnection connection, DbTransaction? transaction, Guid circuitId, int round) =>
        (await connection.QueryAsync<ValidationStep>(
            $"SELECT {StepColumns} FROM validation_steps WHERE circuit_id = @circuitId AND round = @round ORDER BY position",
            new { circuitId, round }, transaction)).AsList();

    public static async Task<IReadOnlyList<ValidationStep>> AllStepsAsync(DbConnection connection, Guid circuitId) =>
        (await connection.QueryAsync<ValidationStep>(
            $"SELECT {StepColumns} FROM validation_steps WHERE circuit_id = @circuitId ORDER BY round, position", new { circuitId })).AsList();

    /// <summary>Pending steps whose reminder is due and not yet queued.</summary>
    public async Task<IReadOnlyList<ValidationStep>> RemindersDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ValidationStep>(
            $"SELECT {StepColumns} FROM validation_steps WHERE state = @pending AND reminded_at IS NULL AND remind_at <= @now",
            new { pending = StepStates.Pending, now })).AsList();
    }

    /// <summary>Claims a step's reminder: true once per step, whichever node asks first.</summary>
    public static async Task<bool> TryMarkRemindedAsync(DbConnection connection, DbTransaction transaction, Guid stepId, DateTimeOffset now) =>
        await connection.ExecuteAsync(
            "UPDATE validation_steps SET reminded_at = @now, updated_at = @now WHERE id = @stepId AND state = @pending AND reminded_at IS NULL",
            new { stepId, now, pending = StepStates.Pending }, transaction) == 1;

    public static Task InsertApproverAsync(DbConnection connection, DbTransaction transaction, ValidationStepApprover approver) =>
        connection.ExecuteAsync(
            """
            INSERT INTO validation_step_approvers (id, authority_id, step_id, approver, delegated_from, active, decision, decided_at)
            VALUES (@Id, @AuthorityId, @StepId, @Approver, @DelegatedFrom, @Active, @Decision, @DecidedAt)
            """,
            approver, transaction);

    public static Task UpdateApproverAsync(DbConnection connection, DbTransaction transaction, ValidationStepApprover approver) =>
        connection.ExecuteAsync(
            "UPDATE validation_step_approvers SET active = @Active, decision = @Decision, decided_at = @DecidedAt WHERE id = @Id",
            approver, transaction);

    /// <summary>The approvers of every step of a circuit (all rounds), active or not.</summary>
    public static async Task<IReadOnlyList<ValidationStepApprover>> ApproversAsync(DbConnection connection, DbTransaction? transaction, Guid circuitId) =>
        (await connection.QueryAsync<ValidationStepApprover>(
            $"SELECT {ApproverColumns} FROM validation_step_approvers WHERE step_id IN (SELECT id FROM validation_steps WHERE circuit_id = @circuitId) ORDER BY approver",
            new { circuitId }, transaction)).AsList();

    public static async Task<IReadOnlyList<ValidationStepApprover>> StepApproversAsync(DbConnection connection, DbTransaction? transaction, Guid stepId) =>
        (await connection.QueryAsync<ValidationStepApprover>(
            $"SELECT {ApproverColumns} FROM validation_step_approvers WHERE step_id = @stepId ORDER BY approver", new { stepId }, transaction)).AsList();

    // Decisions

    public static Task InsertDecisionAsync(DbConnection connection, DbTransaction transaction, ValidationDecision decision) =>
        connection.ExecuteAsync(
            """
            INSERT INTO validation_decisions (id, authority_id, circuit_id, step_id, round, dossier_version, dossier_fingerprint, approver, decision,
                comment, delegate_to, proof, decided_at)
            VALUES (@Id, @AuthorityId, @CircuitId, @StepId, @Round, @DossierVersion, @DossierFingerprint, @Approver, @Decision,
                @Comment, @DelegateTo, @Proof, @DecidedAt)
            """,
            decision, transaction);

    public static async Task<IReadOnlyList<ValidationDecision>> DecisionsAsync(DbConnection connection, Guid circuitId) =>
        (await connection.QueryAsync<ValidationDecision>(
            $"SELECT {DecisionColumns} FROM validation_decisions WHERE circuit_id = @circuitId ORDER BY decided_at, id", new { circuitId })).AsList();

    public static Task<ValidationDecision?> GetDecisionAsync(DbConnection connection, Guid id) =>
        connection.QuerySingleOrDefaultAsync<ValidationDecision?>($"SELECT {DecisionColumns} FROM validation_decisions WHERE id = @id", new { id });

    // Notices

    public static Task InsertNoticeAsync(DbConnection connection, DbTransaction transaction, ValidationNoticeRow notice) =>
        connection.ExecuteAsync(
            """
            INSERT INTO validation_notices (id, authority_id, circuit_id, step_id, decision_id, kind, channel, status, attempts, next_attempt_at,
                last_error, sent_at, created_at, updated_at)
            VALUES (@Id, @AuthorityId, @CircuitId, @StepId, @DecisionId, @Kind, @Channel, @Status, @Attempts, @NextAttemptAt,
                @LastError, @SentAt, @CreatedAt, @UpdatedAt)
            """,
            notice, transaction);

    /// <summary>
    /// Claims a due notice for one attempt: the attempt is counted and the row leased until <paramref name="leaseUntil"/>,
    /// so a second job (or sweep) for the same notice does nothing, and a node that dies mid-post leaves it due again.
    /// </summary>
    public Task<ValidationNoticeRow?> TryClaimNoticeAsync(Guid id, DateTimeOffset now, DateTimeOffset leaseUntil, CancellationToken cancellationToken) =>
        database.InTransactionAsync(async (connection, transaction) =>
        {
            var claimed = await connection.ExecuteAsync(
                """
                UPDATE validation_notices SET attempts = attempts + 1, next_attempt_at = @leaseUntil, updated_at = @now
                WHERE id = @id AND status = @pending AND next_attempt_at <= @now
                """,
                new { id, now, leaseUntil, pending = ValidationNoticeStatus.Pending }, transaction);
            return claimed == 1 ? await GetNoticeAsync(connection, transaction, id) : null;
        }, cancellationToken);

    /// <summary>The notice as stored now (null when it does not exist).</summary>
    public async Task<ValidationNoticeRow?> GetNoticeAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await GetNoticeAsync(connection, null, id);
    }

    private static Task<ValidationNoticeRow?> GetNoticeAsync(DbConnection connection, DbTransaction? transaction, Guid id) =>
        connection.QuerySingleOrDefaultAsync<ValidationNoticeRow>($"SELECT {NoticeColumns} FROM validation_notices WHERE id = @id", new { id }, transaction);

    /// <summary>Settles a claimed attempt (only if the lease is still this attempt's).</summary>
    public async Task SettleNoticeAsync(
        ValidationNoticeRow notice, string status, string? error, DateTimeOffset nextAttemptAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await database.ExecuteWriteAsync(
            """
            UPDATE validation_notices SET status = @status, last_error = COALESCE(@error, last_error), next_attempt_at = @nextAttemptAt,
                sent_at = @sentAt, updated_at = @now
            WHERE id = @Id AND status = @pending AND attempts = @Attempts
            """,
            new
            {
                notice.Id, notice.Attempts, status, error, nextAttemptAt, now, pending = ValidationNoticeStatus.Pending,
                sentAt = status == ValidationNoticeStatus.Sent ? now : (DateTimeOffset?)null,
            },
            cancellationToken);
    }

    /// <summary>Pending notices due now whose attempt is not running (a lost job, a retry, a node stopped mid-post).</summary>
    public async Task<IReadOnlyList<Guid>> DueNoticesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(
            "SELECT id FROM validation_notices WHERE status = @pending AND next_attempt_at <= @now ORDER BY next_attempt_at",
            new { pending = ValidationNoticeStatus.Pending, now })).AsList();
    }

    public async Task<IReadOnlyList<ValidationNoticeRow>> NoticesAsync(Guid circuitId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<ValidationNoticeRow>(
            $"SELECT {NoticeColumns} FROM validation_notices WHERE circuit_id = @circuitId ORDER BY created_at, id", new { circuitId })).AsList();
    }

    private sealed class TemplateRow
    {
        public Guid Id { get; set; }
        public Guid AuthorityId { get; set; }
        public string Name { get; set; } = "";
        public string StepsJson { get; set; } = "[]";
        public DateTimeOffset CreatedAt { get; set; }
        public string CreatedBy { get; set; } = "";
        public DateTimeOffset UpdatedAt { get; set; }

        public ValidationTemplate ToTemplate() => new()
        {
            Id = Id, AuthorityId = AuthorityId, Name = Name, CreatedAt = CreatedAt, CreatedBy = CreatedBy, UpdatedAt = UpdatedAt,
            Steps = JsonSerializer.Deserialize<List<TemplateStep>>(StepsJson, ValidationStore.StepsJson) ?? [],
        };
    }
}
