using IntegrationHub.ConnectorInstances;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Members;
using IntegrationHub.Persistence;

namespace IntegrationHub.Mailings;

public abstract record MailingSendOutcome
{
    /// <param name="Recipients">Every recipient of the mailing.</param>
    /// <param name="Deliveries">Messages queued, one per recipient and channel.</param>
    /// <param name="PaperOnly">Recipients who asked for paper (CGCT L2121-10): nothing is sent to them electronically.</param>
    public sealed record Accepted(int Recipients, int Deliveries, IReadOnlyList<Member> PaperOnly) : MailingSendOutcome;

    public sealed record AlreadySent : MailingSendOutcome;

    public sealed record NoDocument : MailingSendOutcome;

    /// <summary>The mailing's validation circuit has not approved these documents.</summary>
    public sealed record ValidationRequired(string CircuitState, bool DossierChanged) : MailingSendOutcome;
}

/// <summary>
/// Sends a mailing like a convocation: the status change and every delivery are written in one transaction (the
/// outbox), then the same <see cref="DeliveryJob"/> sends them, with the same retries and reports.
/// </summary>
public sealed class MailingDispatch(
    HubDatabase database,
    MailingStore mailings,
    MemberStore members,
    DeliveryStore deliveries,
    EvidenceLedger ledger,
    ChannelResolver channels,
    DispatchService dispatch,
    Validation.ValidationService validation,
    TimeProvider time,
    ILogger<MailingDispatch> logger)
{
    public Task<MailingSendOutcome> SendAsync(Mailing mailing, CancellationToken cancellationToken) => SendAsync(mailing, null, cancellationToken);

    /// <summary>Sends the mailing; with a validation circuit, only once it approved these documents (or an admin overrides).</summary>
    public async Task<MailingSendOutcome> SendAsync(Mailing mailing, Validation.ValidationOverride? validationOverride, CancellationToken cancellationToken)
    {
        if (mailing.Status != MailingStatus.Draft)
        {
            return new MailingSendOutcome.AlreadySent();
        }
        var documents = await mailings.DocumentsAsync(mailing.Id, cancellationToken);
        if (documents.Count == 0)
        {
            return new MailingSendOutcome.NoDocument();
        }
        var recipients = await mailings.RecipientsAsync(mailing.Id, cancellationToken);
        var electronic = await channels.ElectronicChannelsAsync(mailing.AuthorityId, cancellationToken);
        var people = new Dictionary<Guid, Member>();
        foreach (var recipient in recipients)
        {
            people[recipient.MemberId] = (await members.GetAsync(recipient.MemberId, cancellationToken))!;
        }

        var now = time.GetUtcNow();
        var toEnqueue = new List<Guid>();
        var paperOnly = new List<Member>();
        bool sent;
        try
        {
            sent = await SendInTransactionAsync();
        }
        catch (Validation.ValidationBlockedException blocked)
        {
            mailing.Status = MailingStatus.Draft;
            mailing.SentAt = null;
            mailing.LinksExpireAt = null;
            return new MailingSendOutcome.ValidationRequired(blocked.Block.CircuitState, blocked.Block.DossierChanged);
        }
        if (!sent)
        {
            return new MailingSendOutcome.AlreadySent();
        }
        dispatch.Enqueue(toEnqueue);
        dispatch.AnchorSoon(mailing.AuthorityId);
        logger.LogInformation("Mailing {MailingId} sent: {Recipients} recipients, {Deliveries} deliveries, {PaperOnly} on paper only",
            mailing.Id, recipients.Count, toEnqueue.Count, paperOnly.Count);
        return new MailingSendOutcome.Accepted(recipients.Count, toEnqueue.Count, paperOnly);

        Task<bool> SendInTransactionAsync() => database.InTransactionAsync(async (connection, transaction) =>
        {
            if (!await MailingStore.TryMarkSentAsync(connection, transaction, mailing, now, now.AddDays(mailing.LinkValidityDays)))
            {
                return false;
            }
            // The documents as this transaction sees them must be the ones the circuit approved (a block rolls back).
            var fingerprint = await Validation.DossierFingerprint.OfMailingAsync(connection, transaction, mailing);
            if (await validation.CheckSendAsync(connection, transaction, Validation.ValidationDossier.Of(mailing), fingerprint, validationOverride, now) is { } block)
            {
                throw new Validation.ValidationBlockedException(block);
            }
            await ledger.AppendAsync(connection, transaction, mailing.AuthorityId, LedgerEntryTypes.MailingSent, LedgerSubject.None, new
            {
                mailingId = mailing.Id,
                mailing.Title,
                mailing.Message,
                sentAt = now,
                linksExpireAt = mailing.LinksExpireAt,
                documents = documents.Select(d => new { d.Id, d.Name, d.Sha256, d.Size }),
                recipients = recipients.Select(r => new { recipientId = r.Id, r.MemberId, name = people[r.MemberId].DisplayName }),
            }, now);
            foreach (var recipient in recipients)
            {
                var member = people[recipient.MemberId];
                var memberChannels = MemberChannels.For(member, electronic);
                if (memberChannels is [ChannelNames.Paper])
                {
                    paperOnly.Add(member);
                    continue;
                }
                foreach (var channel in memberChannels)
                {
                    var delivery = new Delivery
                    {
                        Id = Guid.CreateVersion7(),
                        AuthorityId = mailing.AuthorityId,
                        MailingRecipientId = recipient.Id,
                        MemberId = recipient.MemberId,
                        Channel = channel,
                        Purpose = DeliveryPurpose.Mailing,
                        Status = DeliveryStatus.Pending,
                        CreatedAt = now,
                        UpdatedAt = now,
                    };
                    await deliveries.InsertAsync(connection, transaction, delivery);
                    toEnqueue.Add(delivery.Id);
                }
            }
            return true;
        }, cancellationToken);
    }
}
