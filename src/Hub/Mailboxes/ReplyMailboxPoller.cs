using System.Text.RegularExpressions;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Convocations;
using IntegrationHub.Dispatch;
using IntegrationHub.Hosting;
using IntegrationHub.Members;
using IntegrationHub.PluginHost;
using IntegrationHub.Plugins.Mailboxes;
using IntegrationHub.Sessions;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Mailboxes;

/// <summary>
/// Reads every authority's reply mailbox (for the connectors that have one): a bounce marks its delivery failed with
/// the remote server's diagnostic; a member's answer from their own calendar client becomes their answer. Each message
/// is acknowledged (moved away) once applied, so nothing is read twice; one failing mailbox does not stop the others.
/// </summary>
public sealed partial class ReplyMailboxPoller(
    ConnectorStore connectors,
    ConnectorSecrets secrets,
    ConnectorTypeRegistry registry,
    DeliveryStore deliveries,
    ConvocationStore convocations,
    SessionStore sessions,
    MemberStore members,
    AnswerService answers,
    MemberLinks links,
    IServiceProvider services,
    TimeProvider time,
    IOptions<HubOptions> options,
    ILogger<ReplyMailboxPoller> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Mailboxes.PollInterval, time);
        do
        {
            await PollAllAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task PollAllAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ConnectorInstance> instances;
        try
        {
            instances = await connectors.ListAllEnabledAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Could not list connectors for mailbox polling");
            return;
        }
        foreach (var instance in instances)
        {
            if (registry.Find(instance.Type) is not IReplyMailboxProvider provider)
            {
                continue;
            }
            try
            {
                var mailbox = provider.CreateMailbox(secrets.ToSettings(instance), services);
                if (mailbox is not null)
                {
                    await PollAsync(instance, mailbox, cancellationToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A boundary: one authority's unreachable mailbox must not stop the others.
                logger.LogWarning(ex, "Reply mailbox of connector {Connector} (authority {AuthorityId}) could not be read", instance.Name, instance.AuthorityId);
            }
        }
    }

    private async Task PollAsync(ConnectorInstance instance, IReplyMailbox mailbox, CancellationToken cancellationToken)
    {
        try
        {
            var events = await mailbox.FetchAsync(cancellationToken);
            var processed = new List<string>();
            foreach (var item in events)
            {
                try
                {
                    await ApplyAsync(instance.AuthorityId, item, cancellationToken);
                    processed.Add(item.Id);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Left in the mailbox and tried again at the next poll; the others are applied and acknowledged.
                    logger.LogWarning(ex, "Reply mailbox event {EventId} of {Connector} could not be applied", item.Id, instance.Name);
                }
            }
            if (processed.Count > 0)
            {
                await mailbox.AcknowledgeAsync(processed, cancellationToken);
                logger.LogInformation("Processed {Count} message(s) from the reply mailbox of {Connector}", processed.Count, instance.Name);
            }
        }
        finally
        {
            switch (mailbox)
            {
                case IAsyncDisposable asyncDisposable: await asyncDisposable.DisposeAsync(); break;
                case IDisposable disposable: disposable.Dispose(); break;
            }
        }
    }

    private async Task ApplyAsync(Guid authorityId, MailboxEvent item, CancellationToken cancellationToken)
    {
        switch (item)
        {
            case DeliveryStatusReport report:
                await ApplyReportAsync(authorityId, report, cancellationToken);
                break;
            case CalendarReply reply:
                await ApplyReplyAsync(authorityId, reply, cancellationToken);
                break;
            case UnrecognisedMessage other:
                logger.LogInformation("Reply mailbox: message not recognised ({Summary})", other.Summary);
                break;
        }
    }

    private async Task ApplyReportAsync(Guid authorityId, DeliveryStatusReport report, CancellationToken cancellationToken)
    {
        var delivery = report.OriginalMessageId is { } messageId ? await deliveries.FindByProviderIdAsync(messageId.Trim('<', '>'), cancellationToken) : null;
        if (delivery is null && report.OriginalEnvelopeId is { } envelope && DeliveryKey().Match(envelope) is { Success: true } match)
        {
            delivery = await deliveries.GetAsync(Guid.ParseExact(match.Groups[1].Value, "N"), cancellationToken);
        }
        if (delivery is null || delivery.AuthorityId != authorityId)
        {
            logger.LogInformation("Delivery report for {Recipient} matches no delivery of this authority", report.Recipient);
            return;
        }
        var detail = $"DSN {report.Action} {report.Status} {report.Diagnostic}".Trim();
        var status = report.Action switch
        {
            "failed" => DeliveryStatus.Failed,
            "delivered" => DeliveryStatus.Delivered,
            _ => report.Action,
        };
        await deliveries.ApplyReportAsync(delivery, status, detail, time.GetUtcNow());
    }

    private async Task ApplyReplyAsync(Guid authorityId, CalendarReply reply, CancellationToken cancellationToken)
    {
        if (CalendarUid().Match(reply.Uid) is not { Success: true } match)
        {
            logger.LogInformation("Calendar reply for an invitation the hub did not send ({Uid})", reply.Uid);
            return;
        }
        var sessionId = Guid.ParseExact(match.Groups[1].Value, "N");
        var memberId = Guid.ParseExact(match.Groups[2].Value, "N");
        if (!links.IsValidCalendarUidTag(sessionId, memberId, match.Groups[3].Value.ToLowerInvariant()))
        {
            logger.LogWarning("Calendar reply ignored: the UID's tag does not match ({Uid})", reply.Uid);
            return;
        }
        var member = await members.GetAsync(memberId, cancellationToken);
        var session = await sessions.GetAsync(sessionId, cancellationToken);
        var convocation = (await convocations.ForSessionAsync(sessionId, cancellationToken)).FirstOrDefault(c => c.MemberId == memberId);
        // The answer counts only from the member's own address, for a session of this authority.
        if (member is null || session is null || convocation is null || session.AuthorityId != authorityId
            || !string.Equals(member.Email, reply.AttendeeEmail, StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("Calendar reply ignored: {Uid} does not match the sender's convocation", reply.Uid);
            return;
        }
        var attendance = reply.ParticipationStatus.ToUpperInvariant() switch
        {
            "ACCEPTED" => Attendance.Present,
            "DECLINED" => Attendance.Absent,
            // Recorded, but still no answer for the quorum forecast.
            _ => Attendance.Tentative,
        };
        // Declining in the calendar after giving a proxy is the natural thing to do in Outlook: the proxy stands.
        if (attendance == Attendance.Absent && await answers.CurrentAttendanceAsync(session.Id, memberId, cancellationToken) == Attendance.Proxy)
        {
            return;
        }
        var outcome = await answers.RecordAsync(session, convocation, attendance, null, false, "calendar-reply", cancellationToken);
        if (outcome is AnswerOutcome.Refused refused)
        {
            logger.LogInformation("Calendar reply not recorded: {Reason}", refused.Code);
        }
    }

    [GeneratedRegex("^delivery-([0-9a-f]{32})", RegexOptions.IgnoreCase)]
    private static partial Regex DeliveryKey();

    [GeneratedRegex("^session-([0-9a-f]{32})-member-([0-9a-f]{32})-([0-9a-f]{16})@", RegexOptions.IgnoreCase)]
    private static partial Regex CalendarUid();
}
