using System.Data.Common;
using Dapper;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Persistence;

namespace IntegrationHub.Dispatch;

/// <summary>
/// The outbox. A worker claims a row (pending → sending) with one conditional UPDATE, so two workers or two nodes
/// never send the same delivery; the provider's answer is recorded before the row is marked sent. Every event of a
/// delivery (queued, attempt failed, sent with the provider's id, report, failure) is also an entry of the evidence
/// ledger, written in the same transaction: no fact without its evidence, no evidence of a fact that was rolled back.
/// </summary>
public sealed class DeliveryStore(HubDatabase database, EvidenceLedger ledger)
{
    public const string Columns =
        """
        id AS Id, authority_id AS AuthorityId, session_id AS SessionId, convocation_id AS ConvocationId, mailing_recipient_id AS MailingRecipientId,
        channel AS Channel, purpose AS Purpose,
        session_version AS SessionVersion, status AS Status, attempts AS Attempts, next_attempt_at AS NextAttemptAt, claimed_at AS ClaimedAt,
        sent_at AS SentAt, provider_message_id AS ProviderMessageId, provider_response AS ProviderResponse, last_error AS LastError,
        created_at AS CreatedAt, updated_at AS UpdatedAt,
        COALESCE((SELECT c.member_id FROM convocations c WHERE c.id = deliveries.convocation_id),
            (SELECT r.member_id FROM mailing_recipients r WHERE r.id = deliveries.mailing_recipient_id)) AS MemberId
        """;

    public async Task InsertAsync(DbConnection connection, DbTransaction transaction, Delivery delivery)
    {
        await connection.ExecuteAsync(
            """
            INSERT INTO deliveries (id, authority_id, session_id, convocation_id, mailing_recipient_id, channel, purpose, session_version, status, attempts,
                created_at, updated_at)
            VALUES (@Id, @AuthorityId, @SessionId, @ConvocationId, @MailingRecipientId, @Channel, @Purpose, @SessionVersion, @Status, 0, @CreatedAt, @UpdatedAt)
            """,
            delivery, transaction);
        await InsertEventAsync(connection, transaction, delivery, delivery.CreatedAt, DeliveryStatus.Pending, null);
    }

    public async Task<Delivery?> GetAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Delivery>($"SELECT {Columns} FROM deliveries WHERE id = @id", new { id });
    }

    /// <summary>The rows of <paramref name="ids"/> that exist, in no particular order (one read for a job's deliveries).</summary>
    public async Task<IReadOnlyList<Delivery>> GetManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Delivery>($"SELECT {Columns} FROM deliveries WHERE {database.IsOneOf("id", "ids")}", database.IdsParameter(ids))).AsList();
    }

    /// <summary>
    /// <see cref="TryClaimAsync"/> for a row already read: on success <paramref name="delivery"/> becomes the claimed
    /// row (status, attempts and claim time as stored, read back by the same statement) and true is returned.
    /// </summary>
    public async Task<bool> ClaimAsync(Delivery delivery, DateTimeOffset now, TimeSpan claimTimeout, CancellationToken cancellationToken)
    {
        var claim = await database.InTransactionAsync(
            (connection, transaction) => ClaimRowAsync(connection, transaction, delivery.Id, now, claimTimeout), cancellationToken);
        return Apply(delivery, claim);
    }

    // skipLocked: a row another transaction holds is passed over rather than waited for (the next claim of
    // TransitionAsync: see there). SQLite has a single writer, so no row is ever held there.
    private async Task<ClaimRow?> ClaimRowAsync(
        DbConnection connection, DbTransaction transaction, Guid id, DateTimeOffset now, TimeSpan claimTimeout, bool skipLocked = false)
    {
        var (output, returning) = database.Provider == DatabaseProvider.SqlServer
            ? ("OUTPUT inserted.claimed_at AS ClaimedAt, inserted.attempts AS Attempts", "")
            : ("", "RETURNING claimed_at AS ClaimedAt, attempts AS Attempts");
        const string Claimable =
            """
            id = @id AND channel <> @paper AND (
                (status = @pending AND (next_attempt_at IS NULL OR next_attempt_at <= @now))
                OR (status = @sending AND claimed_at < @staleBefore))
            """;
        var where = (skipLocked, database.Provider) switch
        {
            (true, DatabaseProvider.PostgreSql) => $"id = (SELECT id FROM deliveries WHERE {Claimable} FOR UPDATE SKIP LOCKED)",
            (true, DatabaseProvider.SqlServer) => $"id = (SELECT id FROM deliveries WITH (UPDLOCK, READPAST, ROWLOCK) WHERE {Claimable})",
            _ => Claimable,
        };
        return await connection.QuerySingleOrDefaultAsync<ClaimRow>(
            $"""
            UPDATE deliveries SET status = @sending, claimed_at = @now, attempts = attempts + 1, updated_at = @now
            {output}
            WHERE {where}
            {returning}
            """,
            new
            {
                id, now, staleBefore = now - claimTimeout,
                sending = DeliveryStatus.Sending, pending = DeliveryStatus.Pending, paper = ChannelNames.Paper,
            }, transaction);
    }

    private static bool Apply(Delivery delivery, ClaimRow? claim)
    {
        if (claim is null)
        {
            return false;
        }
        delivery.Status = DeliveryStatus.Sending;
        delivery.ClaimedAt = claim.ClaimedAt;
        delivery.Attempts = claim.Attempts;
        return true;
    }

    /// <summary>The convocations of a session that are on its calendar event (they have a <see cref="ChannelNames.Calendar"/> delivery).</summary>
    public async Task<IReadOnlySet<Guid>> CalendarConvocationsAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(
            "SELECT convocation_id FROM deliveries WHERE session_id = @sessionId AND channel = @calendar AND convocation_id IS NOT NULL",
            new { sessionId, calendar = ChannelNames.Calendar })).ToHashSet();
    }

    /// <summary>
    /// Takes the delivery for this worker: a pending row that is due, or a row left "sending" by a worker that
    /// stopped longer than <paramref name="claimTimeout"/> ago. Returns false when another worker has it or it is done.
    /// </summary>
    public async Task<bool> TryClaimAsync(Guid id, DateTimeOffset now, TimeSpan claimTimeout, CancellationToken cancellationToken)
    {
        // In a transaction only to take this process's SQLite writer turn (HubDatabase) rather than race for the lock.
        var claim = await database.InTransactionAsync(
            (connection, transaction) => ClaimRowAsync(connection, transaction, id, now, claimTimeout), cancellationToken);
        return claim is not null;
    }

    /// <summary>The provider accepted the message; its id and answer are kept, with the address and hash of the message (evidence).</summary>
    public Task<bool> MarkSentAsync(
        Delivery delivery, DateTimeOffset sentAt, string providerMessageId, string providerResponse, SentMessageEvidence evidence, DateTimeOffset now,
        NextClaim? next = null) =>
        TransitionAsync(
            delivery, DeliveryStatus.Sent, now, $"{providerMessageId} {providerResponse}".Trim(),
            """
            UPDATE deliveries SET status = @status, sent_at = @sentAt, provider_message_id = @providerMessageId, provider_response = @providerResponse,
                last_error = NULL, claimed_at = NULL, next_attempt_at = NULL, updated_at = @now
            WHERE id = @id AND status = @sending AND claimed_at = @claimedAt
            """,
            new { status = DeliveryStatus.Sent, sentAt, providerMessageId, providerResponse, now, id = delivery.Id, sending = DeliveryStatus.Sending, claimedAt = delivery.ClaimedAt },
            new { providerMessageId, providerResponse, sentAt, evidence.Address, evidence.MessageSha256 }, next);

    public Task<bool> MarkFailedAsync(Delivery delivery, string error, DateTimeOffset now, NextClaim? next = null) =>
        TransitionAsync(
            delivery, DeliveryStatus.Failed, now, error,
            "UPDATE deliveries SET status = @status, last_error = @error, claimed_at = NULL, next_attempt_at = NULL, updated_at = @now WHERE id = @id AND status = @sending AND claimed_at = @claimedAt",
            new { status = DeliveryStatus.Failed, error, now, id = delivery.Id, sending = DeliveryStatus.Sending, claimedAt = delivery.ClaimedAt }, next: next);

    public Task<bool> ScheduleRetryAsync(Delivery delivery, string error, DateTimeOffset nextAttemptAt, DateTimeOffset now, NextClaim? next = null) =>
        TransitionAsync(
            delivery, "retrying", now, error,
            "UPDATE deliveries SET status = @status, last_error = @error, claimed_at = NULL, next_attempt_at = @nextAttemptAt, updated_at = @now WHERE id = @id AND status = @sending AND claimed_at = @claimedAt",
            new { status = DeliveryStatus.Pending, error, nextAttemptAt, now, id = delivery.Id, sending = DeliveryStatus.Sending, claimedAt = delivery.ClaimedAt }, next: next);

    /// <summary>A convocation or update that became pointless (the session was cancelled meanwhile) is not sent.</summary>
    public Task<bool> MarkSupersededAsync(Delivery delivery, string reason, DateTimeOffset now, NextClaim? next = null) =>
        TransitionAsync(
            delivery, DeliveryStatus.Superseded, now, reason,
            "UPDATE deliveries SET status = @status, last_error = @reason, claimed_at = NULL, updated_at = @now WHERE id = @id AND status = @sending AND claimed_at = @claimedAt",
            new { status = DeliveryStatus.Superseded, reason, now, id = delivery.Id, sending = DeliveryStatus.Sending, claimedAt = delivery.ClaimedAt }, next: next);

    /// <summary>
    /// A member's place on the session's calendar event is withdrawn (they left office after the send), in the caller's
    /// transaction: the reconciliation adds and removes attendees at once, so a publish job never reads one change
    /// without the other.
    /// </summary>
    public async Task<bool> MarkRemovedAsync(DbConnection connection, DbTransaction transaction, Delivery delivery, string reason, DateTimeOffset now)
    {
        var changed = await connection.ExecuteAsync(
            "UPDATE deliveries SET status = @status, last_error = @reason, claimed_at = NULL, updated_at = @now WHERE id = @id AND status IN (@sent, @pending)",
            new { status = DeliveryStatus.Superseded, reason, now, id = delivery.Id, sent = DeliveryStatus.Sent, pending = DeliveryStatus.Pending },
            transaction) == 1;
        await InsertEventAsync(connection, transaction, delivery, now, changed ? DeliveryStatus.Superseded : "stale:" + DeliveryStatus.Superseded, reason);
        return changed;
    }

    /// <summary>Why a claimed row went back unsent: the hub is stopping (<see cref="ReleaseAsync"/>).</summary>
    public const string ReleasedAtShutdown = "rendue avant envoi : arrêt du hub";

    /// <summary>Why a claimed row went back unsent: the job failed after recording the previous delivery's outcome.</summary>
    public const string ReleasedAfterFailure = "rendue avant envoi : le travail a échoué après l'enregistrement de l'envoi précédent";

    /// <summary>
    /// The worker let go of a row before sending it: the attempt does not count, the row goes back to the queue. The
    /// ledger entry says why (<paramref name="reason"/>) and which attempt the row returns to.
    /// </summary>
    public Task<bool> ReleaseAsync(Delivery delivery, string reason, DateTimeOffset now) =>
        TransitionAsync(
            delivery, "interrupted", now, reason,
            "UPDATE deliveries SET status = @status, attempts = attempts - 1, claimed_at = NULL, updated_at = @now WHERE id = @id AND status = @sending AND claimed_at = @claimedAt",
            new { status = DeliveryStatus.Pending, sending = DeliveryStatus.Sending, now, id = delivery.Id, claimedAt = delivery.ClaimedAt },
            new { attemptsAfterRelease = delivery.Attempts - 1 });

    /// <summary>A paper convocation is sent on the day the secretariat posts it (CE 19 March 1969, Commune de Doullens: the postmark date counts).</summary>
    public Task<bool> MarkPostedAsync(Delivery delivery, DateTimeOffset postedAt, string recordedBy, DateTimeOffset now) =>
        TransitionAsync(
            delivery, DeliveryStatus.Sent, now, $"posted, recorded by {recordedBy}",
            "UPDATE deliveries SET status = @status, sent_at = @postedAt, attempts = 1, provider_response = @response, updated_at = @now WHERE id = @id AND status = @pending",
            new { status = DeliveryStatus.Sent, postedAt, response = "posted", now, id = delivery.Id, pending = DeliveryStatus.Pending });

    /// <summary>Whether every electronic delivery of the same session (or mailing) as <paramref name="delivery"/> is settled.</summary>
    public async Task<bool> IsBatchSettledAsync(Delivery delivery, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var open = await connection.ExecuteScalarAsync<int>(
            delivery.SessionId is not null
                ? "SELECT COUNT(*) FROM deliveries WHERE session_id = @SessionId AND status IN (@pending, @sending) AND channel <> @paper"
                : """
                  SELECT COUNT(*) FROM deliveries WHERE status IN (@pending, @sending) AND mailing_recipient_id IN (
                      SELECT id FROM mailing_recipients WHERE mailing_id = (SELECT mailing_id FROM mailing_recipients WHERE id = @MailingRecipientId))
                  """,
            new { delivery.SessionId, delivery.MailingRecipientId, pending = DeliveryStatus.Pending, sending = DeliveryStatus.Sending, paper = ChannelNames.Paper });
        return open == 0;
    }

    /// <summary>Whether the convocation is on the session's calendar event (a <see cref="ChannelNames.Calendar"/> delivery).</summary>
    public async Task<bool> HasCalendarDeliveryAsync(Guid convocationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM deliveries WHERE convocation_id = @convocationId AND channel = @calendar",
            new { convocationId, calendar = ChannelNames.Calendar }) > 0;
    }

    /// <summary>
    /// Records the attendee's response as the calendar holds it on the member's calendar delivery (its
    /// <c>provider_response</c>), with a delivery event and its ledger entry in the same transaction; false when unchanged.
    /// </summary>
    public async Task<bool> RecordCalendarResponseAsync(Delivery delivery, string providerResponse, string detail, DateTimeOffset now)
    {
        if (delivery.ProviderResponse == providerResponse)
        {
            return false;
        }
        return await database.InTransactionAsync(async (connection, transaction) =>
        {
            var changed = await connection.ExecuteAsync(
                "UPDATE deliveries SET provider_response = @providerResponse, updated_at = @now WHERE id = @id",
                new { providerResponse, now, id = delivery.Id }, transaction) == 1;
            await InsertEventAsync(connection, transaction, delivery, now, "report", detail, new { providerResponse });
            return changed;
        }, CancellationToken.None);
    }

    public async Task<Delivery?> FindByProviderIdAsync(string providerMessageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<Delivery>(
            $"SELECT {Columns} FROM deliveries WHERE provider_message_id = @providerMessageId", new { providerMessageId });
    }

    /// <summary>
    /// Applies what the provider reported after sending (delivered, failed). Statuses only move forward: a late
    /// "sent" never downgrades "delivered", and a final status is never replaced. Returns whether it changed anything.
    /// </summary>
    public async Task<bool> ApplyReportAsync(Delivery delivery, string status, string detail, DateTimeOffset now)
    {
        var from = status switch
        {
            DeliveryStatus.Delivered => new[] { DeliveryStatus.Sent },
            DeliveryStatus.Failed => new[] { DeliveryStatus.Sent },
            _ => [],
        };
        var changed = false;
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            if (from.Length > 0)
            {
                changed = await connection.ExecuteAsync(
                    $"""
                    UPDATE deliveries SET status = @status, last_error = @error, updated_at = @now
                    WHERE id = @id AND {database.IsOneOf("status", "from")}
                    """,
                    new { status, error = status == DeliveryStatus.Failed ? detail : null, now, id = delivery.Id, from }, transaction) == 1;
            }
            await InsertEventAsync(connection, transaction, delivery, now, changed ? "report" : "report-kept", $"{status}: {detail}", new { reportedStatus = status });
        }, CancellationToken.None);
        return changed;
    }

    /// <summary>Deliveries that should be in a worker's hands but are not: due retries, work left by a stopped node.</summary>
    public async Task<IReadOnlyList<Guid>> OverdueAsync(DateTimeOffset now, TimeSpan grace, TimeSpan claimTimeout, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var ids = await connection.QueryAsync<Guid>(
            """
            SELECT id FROM deliveries
            WHERE channel <> @paper AND (
                (status = @pending AND COALESCE(next_attempt_at, created_at) <= @dueBefore)
                OR (status = @sending AND claimed_at < @staleBefore))
            """,
            new
            {
                paper = ChannelNames.Paper, pending = DeliveryStatus.Pending, sending = DeliveryStatus.Sending,
                dueBefore = now - grace, staleBefore = now - claimTimeout,
            });
        return ids.AsList();
    }

    /// <summary>
    /// After a restart on in-memory job storage every queued job is gone and no other node exists: everything
    /// unfinished is ours to resume. A row still "sending" was interrupted mid-call; it is attempted again
    /// (the only window where a message can go out twice: accepted by the provider, not yet recorded).
    /// </summary>
    public async Task<IReadOnlyList<Guid>> ResumeAllUnfinishedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE deliveries SET status = @pending, claimed_at = NULL, updated_at = @now WHERE status = @sending",
            new { pending = DeliveryStatus.Pending, sending = DeliveryStatus.Sending, now });
        var ids = await connection.QueryAsync<Guid>(
            "SELECT id FROM deliveries WHERE status = @pending AND channel <> @paper",
            new { pending = DeliveryStatus.Pending, paper = ChannelNames.Paper });
        return ids.AsList();
    }

    /// <summary>
    /// Applies a transition guarded by the worker's claim; false when the row is no longer this worker's (another took
    /// it over after <see cref="Hosting.DispatchOptions.ClaimTimeout"/>), in which case only the event is kept. With
    /// <paramref name="next"/>, the worker's next delivery is claimed in the same transaction (<see cref="NextClaim"/>).
    /// </summary>
    private async Task<bool> TransitionAsync(
        Delivery delivery, string eventStatus, DateTimeOffset now, string? detail, string sql, object parameters, object? evidence = null,
        NextClaim? next = null)
    {
        // Recorded even when the caller is shutting down: the provider has answered, losing that answer would resend.
        // The next claim never waits, and comes before the ledger append: the append holds the authority's ledger head
        // until commit, and a transaction holding it while waiting for a delivery row another worker's outcome
        // transaction held (waiting for that same head) was a deadlock; the aborted outcome then led to a resend.
        var (changed, claim) = await database.InTransactionAsync(async (connection, transaction) =>
        {
            var changed = await connection.ExecuteAsync(sql, parameters, transaction) == 1;
            var claim = next is null ? null : await ClaimRowAsync(connection, transaction, next.Delivery.Id, now, next.ClaimTimeout, skipLocked: true);
            await InsertEventAsync(connection, transaction, delivery, now, changed ? eventStatus : "stale:" + eventStatus, detail, evidence);
            return (changed, claim);
        }, CancellationToken.None);
        // On PostgreSQL and SQL Server a row not taken may only have been held by another transaction: left to the
        // worker's ordinary claim (which waits for it). On SQLite no row is ever held, so not taken means not claimable.
        next?.Settle(Apply(next.Delivery, claim), tried: claim is not null || database.Provider == DatabaseProvider.Sqlite);
        return changed;
    }

    /// <summary>
    /// The delivery a worker sends next, claimed in the transaction that records the outcome of the one it just sent:
    /// one write transaction per delivery instead of two (claim, outcome). The claim is the same guarded <c>UPDATE</c>
    /// as <see cref="ClaimAsync"/>, and the next send follows at once, so the row is still claimed just before it is
    /// sent; a row already sent is simply not claimed (<see cref="Claimed"/> false). A row another transaction holds is
    /// passed over, not waited for (<see cref="Tried"/> false): the worker claims it the ordinary way.
    /// </summary>
    public sealed class NextClaim(Delivery delivery, TimeSpan claimTimeout)
    {
        public Delivery Delivery { get; } = delivery;

        public TimeSpan ClaimTimeout { get; } = claimTimeout;

        /// <summary>Whether the claim was settled (its transaction committed and the row was not merely locked by another).</summary>
        public bool Tried { get; private set; }

        /// <summary>Whether it was taken; <see cref="Delivery"/> is then the claimed row.</summary>
        public bool Claimed { get; private set; }

        internal void Settle(bool claimed, bool tried)
        {
            Tried = tried;
            Claimed = claimed;
        }
    }

    private async Task InsertEventAsync(
        DbConnection connection, DbTransaction transaction, Delivery delivery, DateTimeOffset at, string status, string? detail, object? evidence = null)
    {
        await connection.ExecuteAsync(
            "INSERT INTO delivery_events (id, authority_id, delivery_id, at, status, detail) VALUES (@id, @authorityId, @deliveryId, @at, @status, @detail)",
            new { id = Guid.CreateVersion7(), authorityId = delivery.AuthorityId, deliveryId = delivery.Id, at, status = Truncate(status, 20), detail = Truncate(detail, 2000) },
            transaction);
        var memberId = delivery.MemberId ?? await connection.ExecuteScalarAsync<Guid?>(
            delivery.ConvocationId is not null
                ? "SELECT member_id FROM convocations WHERE id = @ConvocationId"
                : "SELECT member_id FROM mailing_recipients WHERE id = @MailingRecipientId",
            new { delivery.ConvocationId, delivery.MailingRecipientId }, transaction);
        await ledger.AppendAsync(
            connection, transaction, delivery.AuthorityId, LedgerTypeOf(status),
            new LedgerSubject(delivery.SessionId, delivery.ConvocationId, delivery.Id, memberId),
            new
            {
                delivery.Channel,
                delivery.Purpose,
                delivery.SessionVersion,
                delivery.MailingRecipientId,
                attempt = delivery.Attempts,
                @event = status,
                detail,
                evidence,
            },
            at);
    }

    private static string LedgerTypeOf(string eventStatus) => eventStatus switch
    {
        DeliveryStatus.Pending => LedgerEntryTypes.DeliveryQueued,
        DeliveryStatus.Sent => LedgerEntryTypes.DeliverySent,
        DeliveryStatus.Failed => LedgerEntryTypes.DeliveryFailed,
        "retrying" => LedgerEntryTypes.DeliveryAttempted,
        "report" or "report-kept" => LedgerEntryTypes.DeliveryReported,
        DeliveryStatus.Superseded => LedgerEntryTypes.DeliverySuperseded,
        // A transition another worker had already made: the fact still happened (a "stale:sent" message did go out).
        _ when eventStatus.StartsWith("stale:", StringComparison.Ordinal) => LedgerTypeOf(eventStatus["stale:".Length..]),
        _ => LedgerEntryTypes.DeliveryInterrupted,
    };

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    private sealed class ClaimRow
    {
        public DateTimeOffset ClaimedAt { get; set; }
        public int Attempts { get; set; }
    }
}
