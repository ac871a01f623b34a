using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Hangfire;
using IntegrationHub.Dispatch;
using IntegrationHub.Hosting;
using IntegrationHub.Persistence;
using IntegrationHub.Plugins.Calendars;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Sessions;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Calendars;

/// <summary>
/// Change notifications of the organiser calendars (INTEGRATIONS.md §1.4): one subscription per calendar connector,
/// created when an event is created there, renewed by a recurring job at half its lifetime while the authority has
/// upcoming events, and the notifications it brings (<c>POST /graph/notifications</c>) turned into an answer sync of
/// the session whose event changed. Polling (<see cref="CalendarAnswerSync.SyncAllAsync"/>) stays the safety net:
/// notifications can be missed.
/// </summary>
public sealed class CalendarSubscriptions(
    HubDatabase database,
    CalendarPublishers publishers,
    IBackgroundJobClient jobs,
    IOptions<HubOptions> options,
    TimeProvider time,
    ILogger<CalendarSubscriptions> logger)
{
    public const string RecurringJobId = "calendar-subscriptions";
    public const string NotificationPath = "/graph/notifications";

    /// <summary>Graph's clientState is at most 128 characters; 32 random bytes in base64url are 43.</summary>
    private const int ClientStateBytes = 32;

    /// <summary>Asked for a little under the provider's maximum, so clocks a few minutes apart do not make Graph refuse it.</summary>
    private static readonly TimeSpan ClockMargin = TimeSpan.FromMinutes(30);

    // One subscription per connector: two events created at the same time in one process must not both subscribe.
    private static readonly SemaphoreSlim Gate = new(1, 1);

    /// <summary>Subscribes to the authority's organiser calendar unless a live subscription exists. Never throws: polling remains.</summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task EnsureAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        if (await publishers.ResolveEntryAsync(authorityId, cancellationToken) is not { Publisher: ICalendarChangeNotifications feed } entry
            || NotificationUrl() is not { } url)
        {
            return;
        }
        await Gate.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            await using (var connection = await database.OpenAsync(cancellationToken))
            {
                var live = await connection.ExecuteScalarAsync<int>(
                    """
                    SELECT COUNT(*) FROM calendar_subscriptions
                    WHERE connector_id = @ConnectorId AND connector_revision = @Revision AND expires_at > @now
                    """,
                    new { entry.ConnectorId, entry.Revision, now });
                if (live > 0)
                {
                    return;
                }
            }
            await SubscribeAsync(authorityId, entry, feed, url, cancellationToken);
        }
        catch (Exception ex) when (ex is PermanentDeliveryException or TransientDeliveryException)
        {
            logger.LogWarning(ex, "Could not subscribe to the calendar changes of authority {AuthorityId}; answers are read by polling", authorityId);
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// The recurring job: renews subscriptions past half their lifetime while their authority has upcoming events,
    /// drops expired ones and those of a connector that changed, and subscribes where a subscription is missing.
    /// </summary>
    [AutomaticRetry(Attempts = 0)]
    public async Task RenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        List<SubscriptionRow> rows;
        List<Guid> upcoming;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            rows = (await connection.QueryAsync<SubscriptionRow>($"SELECT {SubscriptionRow.Columns} FROM calendar_subscriptions")).AsList();
            upcoming = (await connection.QueryAsync<Guid>(
                """
                SELECT DISTINCT s.authority_id FROM sessions s JOIN deliveries d ON d.session_id = s.id
                WHERE d.channel = @calendar AND d.status = @sent AND d.provider_message_id IS NOT NULL AND s.status = @sessionSent AND s.starts_at > @now
                """,
                new { calendar = ChannelNames.Calendar, sent = DeliveryStatus.Sent, sessionSent = SessionStatus.Sent, now })).AsList();
        }
        foreach (var row in rows)
        {
            var entry = await publishers.ResolveEntryAsync(row.AuthorityId, cancellationToken);
            if (row.ExpiresAt <= now || entry is null || entry.ConnectorId != row.ConnectorId || entry.Revision != row.ConnectorRevision)
            {
                await DeleteAsync(row.Id);
                continue;
            }
            if (entry.Publisher is not ICalendarChangeNotifications feed || !upcoming.Contains(row.AuthorityId)
                || row.ExpiresAt - now > feed.MaxSubscriptionLifetime / 2)
            {
                continue;
            }
            try
            {
                var granted = (await feed.RenewAsync(row.ProviderSubscriptionId, now + feed.MaxSubscriptionLifetime - ClockMargin, cancellationToken)).ToUniversalTime();
                await database.ExecuteWriteAsync(
                    "UPDATE calendar_subscriptions SET expires_at = @granted, renewed_at = @now WHERE id = @Id", new { granted, now, row.Id }, cancellationToken);
                logger.LogInformation("Calendar subscription {SubscriptionId} of authority {AuthorityId} renewed until {ExpiresAt}", row.ProviderSubscriptionId, row.AuthorityId, granted);
            }
            catch (PermanentDeliveryException ex)
            {
                // Gone at Graph (deleted, or expired early): a new one is made below.
                logger.LogWarning(ex, "Calendar subscription {SubscriptionId} could not be renewed; subscribing again", row.ProviderSubscriptionId);
                await DeleteAsync(row.Id);
            }
            catch (TransientDeliveryException ex)
            {
                logger.LogWarning(ex, "Calendar subscription {SubscriptionId} not renewed this time", row.ProviderSubscriptionId);
            }
        }
        foreach (var authorityId in upcoming)
        {
            await EnsureAsync(authorityId, cancellationToken);
        }
    }

    /// <summary>
    /// Handles a notification POST. Only notifications whose <c>clientState</c> hashes to the stored hash of a known
    /// subscription are acted on (compared in constant time); each accepted one enqueues an answer sync of the session
    /// whose event changed, once per session per POST.
    /// </summary>
    public async Task<NotificationOutcome> AcceptAsync(JsonElement payload, CancellationToken cancellationToken)
    {
        if (payload.ValueKind != JsonValueKind.Object || !payload.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return new NotificationOutcome(0, 0);
        }
        var (accepted, rejected) = (0, 0);
        var sessions = new HashSet<Guid>();
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var notification in value.EnumerateArray())
        {
            var subscriptionId = Text(notification, "subscriptionId");
            var row = subscriptionId is null ? null : await connection.QuerySingleOrDefaultAsync<SubscriptionRow>(
                $"SELECT {SubscriptionRow.Columns} FROM calendar_subscriptions WHERE provider_subscription_id = @subscriptionId", new { subscriptionId });
            if (row is null || !Matches(Text(notification, "clientState"), row.ClientStateSha256))
            {
                rejected++;
                logger.LogWarning("Rejected a calendar change notification for subscription {SubscriptionId}: unknown subscription or clientState not valid", subscriptionId);
                continue;
            }
            accepted++;
            if (EventIdOf(notification) is not { } eventId)
            {
                continue;
            }
            foreach (var sessionId in await connection.QueryAsync<Guid>(
                "SELECT DISTINCT session_id FROM deliveries WHERE authority_id = @AuthorityId AND channel = @calendar AND provider_message_id = @eventId",
                new { row.AuthorityId, calendar = ChannelNames.Calendar, eventId }))
            {
                if (sessions.Add(sessionId))
                {
                    jobs.Enqueue<CalendarAnswerSync>(s => s.SyncNotifiedAsync(sessionId, CancellationToken.None));
                }
            }
        }
        return new NotificationOutcome(accepted, rejected);
    }

    internal static string Hash(string clientState) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clientState)));

    private static bool Matches(string? clientState, string storedHash)
    {
        if (clientState is null)
        {
            return false;
        }
        Span<byte> stored = stackalloc byte[SHA256.HashSizeInBytes];
        if (Convert.FromHexString(storedHash.Trim(), stored, out _, out var written) != System.Buffers.OperationStatus.Done || written != stored.Length)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(clientState)), stored);
    }

    /// <summary>The event id: <c>resourceData.id</c>, else the last segment of <c>resource</c> (<c>Users/{id}/Events/{id}</c> or <c>Events('{id}')</c>).</summary>
    private static string? EventIdOf(JsonElement notification)
    {
        if (notification.TryGetProperty("resourceData", out var data) && data.ValueKind == JsonValueKind.Object && Text(data, "id") is { Length: > 0 } id)
        {
            return id;
        }
        var resource = Text(notification, "resource");
        if (string.IsNullOrEmpty(resource))
        {
            return null;
        }
        var last = resource.TrimEnd('/')[(resource.TrimEnd('/').LastIndexOf('/') + 1)..];
        var open = last.IndexOf("('", StringComparison.Ordinal);
        return open >= 0 ? last[(open + 2)..].TrimEnd(')').TrimEnd('\'') : last;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private Uri? NotificationUrl()
    {
        if (string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl))
        {
            // Graph must reach the hub from the internet: without a public address there is nothing to give it.
            logger.LogInformation("Hub:PublicBaseUrl is not set: no calendar change subscription, answers are read by polling");
            return null;
        }
        return new Uri(new Uri(options.Value.PublicBaseUrl.TrimEnd('/') + "/"), NotificationPath.TrimStart('/'));
    }

    private async Task SubscribeAsync(Guid authorityId, CalendarPublisherEntry entry, ICalendarChangeNotifications feed, Uri url, CancellationToken cancellationToken)
    {
        var clientState = Base64Url(RandomNumberGenerator.GetBytes(ClientStateBytes));
        var now = time.GetUtcNow();
        var subscription = await feed.SubscribeAsync(new CalendarSubscriptionRequest(url, clientState, now + feed.MaxSubscriptionLifetime - ClockMargin), cancellationToken);
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            // Rows of an earlier revision of the connector lapse: their notifications are no longer accepted.
            await connection.ExecuteAsync("DELETE FROM calendar_subscriptions WHERE connector_id = @ConnectorId AND connector_revision <> @Revision",
                new { entry.ConnectorId, entry.Revision }, transaction);
            await connection.ExecuteAsync(
                """
                INSERT INTO calendar_subscriptions (id, authority_id, connector_id, connector_revision, provider_subscription_id, resource,
                    client_state_sha256, expires_at, created_at)
                VALUES (@id, @authorityId, @ConnectorId, @Revision, @providerId, @Resource, @hash, @ExpiresAt, @now)
                """,
                new
                {
                    id = Guid.CreateVersion7(), authorityId, entry.ConnectorId, entry.Revision, providerId = subscription.Id, subscription.Resource,
                    hash = Hash(clientState), ExpiresAt = subscription.ExpiresAt.ToUniversalTime(), now,
                },
                transaction);
        }, cancellationToken);
        logger.LogInformation("Calendar subscription {SubscriptionId} of authority {AuthorityId} created until {ExpiresAt}", subscription.Id, authorityId, subscription.ExpiresAt);
    }

    private Task<int> DeleteAsync(Guid id) =>
        database.ExecuteWriteAsync("DELETE FROM calendar_subscriptions WHERE id = @id", new { id }, CancellationToken.None);

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed class SubscriptionRow
    {
        public const string Columns =
            """
            id AS Id, authority_id AS AuthorityId, connector_id AS ConnectorId, connector_revision AS ConnectorRevision,
            provider_subscription_id AS ProviderSubscriptionId, client_state_sha256 AS ClientStateSha256, expires_at AS ExpiresAt
            """;

        public Guid Id { get; set; }
        public Guid AuthorityId { get; set; }
        public Guid ConnectorId { get; set; }
        public int ConnectorRevision { get; set; }
        public string ProviderSubscriptionId { get; set; } = "";
        public string ClientStateSha256 { get; set; } = "";
        public DateTimeOffset ExpiresAt { get; set; }
    }
}

/// <summary>How many notifications of one POST were accepted and rejected.</summary>
public sealed record NotificationOutcome(int Accepted, int Rejected);
