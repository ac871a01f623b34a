using System.Globalization;
using IntegrationHub.Plugins.Mailboxes;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using MailKit.Security;
using Microsoft.Extensions.Logging;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// The reply mailbox over IMAP (MailKit): reads INBOX for delivery-status notifications and calendar answers, and
/// moves what the hub processed to <see cref="ImapMailboxOptions.ProcessedFolder"/> so nothing is read twice.
/// </summary>
/// <remarks>
/// Each call opens its own connection and logs out: the hub polls every few minutes, and a long-lived IMAP session
/// would only add reconnection logic. An event's id is <c>{UIDVALIDITY}:{UID}</c> of its message in INBOX; a
/// delivery-status notification about several recipients gives several events sharing that id.
/// </remarks>
public sealed class ImapReplyMailbox : IReplyMailbox
{
    private readonly ImapMailboxOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<ImapReplyMailbox> _logger;

    /// <summary>Creates the mailbox.</summary>
    /// <param name="options">Server, credentials and processed folder.</param>
    /// <param name="timeProvider">Clock for messages whose arrival date the server does not give.</param>
    /// <param name="logger">Logger.</param>
    /// <exception cref="ArgumentException">The host, user name or password is missing.</exception>
    public ImapReplyMailbox(ImapMailboxOptions options, TimeProvider timeProvider, ILogger<ImapReplyMailbox> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Host, "options.Host");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.UserName, "options.UserName");
        ArgumentException.ThrowIfNullOrEmpty(options.Password, "options.Password");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProcessedFolder, "options.ProcessedFolder");
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads at most <see cref="ImapMailboxOptions.MaxMessagesPerFetch"/> messages of INBOX not flagged deleted, in
    /// UID order, without changing anything (INBOX is opened read-only).
    /// </remarks>
    public async Task<IReadOnlyList<MailboxEvent>> FetchAsync(CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(cancellationToken);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var uids = (await inbox.SearchAsync(SearchQuery.NotDeleted, cancellationToken))
            .OrderBy(uid => uid.Id)
            .Take(_options.MaxMessagesPerFetch)
            .ToList();

        var events = new List<MailboxEvent>();
        if (uids.Count > 0)
        {
            var summaries = await inbox.FetchAsync(uids, new FetchRequest(MessageSummaryItems.UniqueId | MessageSummaryItems.InternalDate), cancellationToken);
            foreach (var summary in summaries.OrderBy(s => s.UniqueId.Id))
            {
                using var message = await inbox.GetMessageAsync(summary.UniqueId, cancellationToken);
                var receivedAt = summary.InternalDate ?? (message.Date != DateTimeOffset.MinValue ? message.Date : _timeProvider.GetUtcNow());
                events.AddRange(ReplyMessageClassifier.Classify(message, EventId(inbox.UidValidity, summary.UniqueId), receivedAt));
            }
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
        return events;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Uses MOVE (RFC 6851) when the server offers it, otherwise COPY, <c>\Deleted</c> and EXPUNGE (restricted to these
    /// messages with UIDPLUS; without it, EXPUNGE also removes any other message already flagged deleted in INBOX).
    /// Ids from an earlier UIDVALIDITY no longer designate a message and are skipped with a warning.
    /// </remarks>
    /// <exception cref="FormatException">An id is not of the form <c>{UIDVALIDITY}:{UID}</c>.</exception>
    public async Task AcknowledgeAsync(IReadOnlyCollection<string> eventIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        var parsed = eventIds.Distinct(StringComparer.Ordinal).Select(ParseEventId).ToList();
        if (parsed.Count == 0)
        {
            return;
        }

        using var client = await ConnectAsync(cancellationToken);
        var inbox = client.Inbox;
        await inbox.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        var validity = inbox.UidValidity;
        var stale = parsed.Where(id => id.Validity != validity).ToList();
        if (stale.Count > 0)
        {
            _logger.LogWarning(
                "{Count} reply-mailbox id(s) belong to UIDVALIDITY {Old} but INBOX is now at {Current}; they are skipped.",
                stale.Count, stale[0].Validity, validity);
        }

        var uids = parsed.Where(id => id.Validity == validity).Select(id => new UniqueId(validity, id.Uid)).ToList();
        if (uids.Count > 0)
        {
            var processed = await ProcessedFolderAsync(client, cancellationToken);
            if (client.Capabilities.HasFlag(ImapCapabilities.Move))
            {
                await inbox.MoveToAsync(uids, processed, cancellationToken);
            }
            else
            {
                await inbox.CopyToAsync(uids, processed, cancellationToken);
                await inbox.AddFlagsAsync(uids, MessageFlags.Deleted, silent: true, cancellationToken);
                if (client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
                {
                    await inbox.ExpungeAsync(uids, cancellationToken);
                }
                else
                {
                    await inbox.ExpungeAsync(cancellationToken);
                }
            }
        }

        await client.DisconnectAsync(quit: true, cancellationToken);
    }

    /// <summary>Logs in, opens INBOX read-only and says how many messages it holds: the connection check.</summary>
    internal async Task<int> CheckAsync(CancellationToken cancellationToken)
    {
        using var client = await ConnectAsync(cancellationToken);
        await client.Inbox.OpenAsync(FolderAccess.ReadOnly, cancellationToken);
        var count = client.Inbox.Count;
        await client.DisconnectAsync(quit: true, cancellationToken);
        return count;
    }

    internal static string EventId(uint uidValidity, UniqueId uid) =>
        string.Create(CultureInfo.InvariantCulture, $"{uidValidity}:{uid.Id}");

    private static (uint Validity, uint Uid) ParseEventId(string id)
    {
        var parts = id.Split(':');
        if (parts.Length == 2
            && uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var validity)
            && uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            && uid > 0)
        {
            return (validity, uid);
        }

        throw new FormatException($"'{id}' is not a reply-mailbox id ({{UIDVALIDITY}}:{{UID}}).");
    }

    private async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, CancellationToken cancellationToken)
    {
        // Under the personal namespace's root: the top level on Dovecot, INBOX on servers whose prefix is "INBOX.".
        var root = client.GetFolder(client.PersonalNamespaces[0]);
        var existing = (await root.GetSubfoldersAsync(subscribedOnly: false, cancellationToken))
            .FirstOrDefault(folder => string.Equals(folder.Name, _options.ProcessedFolder, StringComparison.Ordinal));
        if (existing is not null)
        {
            return existing;
        }

        var created = await root.CreateAsync(_options.ProcessedFolder, isMessageFolder: true, cancellationToken)
                      ?? throw new InvalidOperationException($"The IMAP server did not create the folder '{_options.ProcessedFolder}'.");
        await created.SubscribeAsync(cancellationToken);
        _logger.LogInformation("Created the IMAP folder {Folder} for processed replies.", created.FullName);
        return created;
    }

    private async Task<ImapClient> ConnectAsync(CancellationToken cancellationToken)
    {
        var client = new ImapClient { Timeout = checked(_options.TimeoutSeconds * 1000) };
        try
        {
            await client.ConnectAsync(_options.Host!, _options.EffectivePort, ToSecureSocketOptions(_options.Security), cancellationToken);
            await client.AuthenticateAsync(_options.UserName!, _options.Password!, cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    private static SecureSocketOptions ToSecureSocketOptions(ImapSecurity security) => security switch
    {
        ImapSecurity.None => SecureSocketOptions.None,
        ImapSecurity.StartTls => SecureSocketOptions.StartTls,
        ImapSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Unknown IMAP security mode."),
    };
}
