using System.Globalization;
using IntegrationHub.Authorities;
using IntegrationHub.Plugins.Channels;
using IntegrationHub.Text;

namespace IntegrationHub.Validation;

/// <summary>
/// Tells each pending approver of a step, by email, that the dossier awaits them (and reminds them), with the same
/// signed links as the Teams card; a delegate gets the same message when a decision is delegated to them, and the
/// step's approvers are told when its circuit is cancelled. The links open the decision page, which asks for a
/// one-time code (or an Entra ID sign-in) before anything is recorded.
/// </summary>
/// <remarks>
/// One message per approver, each with its own idempotency key (notice + address). When one of them fails transiently
/// the whole notice is tried again and those already sent go again with the same key (Message-ID): an approver may
/// see a reminder twice, never miss one.
/// </remarks>
public sealed class ApproverEmailNotifier(ApproverMail mail, AuthorityStore authorities, ValidationLinks links, Decisions.ApproverSignIn signIn) : IValidationNotifier
{
    private const string Nbsp = French.Nbsp;

    public string Channel => "email";

    public Task<bool> IsConfiguredAsync(Guid authorityId, CancellationToken cancellationToken) => mail.IsAvailableAsync(authorityId, cancellationToken);

    public async Task NotifyAsync(ValidationNotice notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notice);
        var recipients = Recipients(notice);
        if (recipients.Count == 0)
        {
            return;
        }
        var step = notice.Step;
        var authority = await authorities.GetAsync(step.AuthorityId, cancellationToken)
            ?? throw new PermanentDeliveryException($"Authority {step.AuthorityId} no longer exists.");
        var subject = notice.Kind switch
        {
            ValidationNoticeKinds.CircuitFinished => $"Validation annulée{Nbsp}: {step.Title}",
            ValidationNoticeKinds.StepReminder => $"Rappel — validation attendue{Nbsp}: {step.Title}",
            ValidationNoticeKinds.StepDecided => $"Validation déléguée{Nbsp}: {step.Title}",
            _ => $"Validation demandée{Nbsp}: {step.Title}",
        };
        var body = Compose(notice, authority, await signIn.SettingsAsync(step.AuthorityId, cancellationToken) is not null);
        var failures = new List<Exception>();
        foreach (var address in recipients)
        {
            try
            {
                await mail.SendAsync(step.AuthorityId, address, $"validation-{notice.NoticeId:N}-{address.ToLowerInvariant()}", subject, body, cancellationToken);
            }
            catch (Exception e) when (e is PermanentDeliveryException or TransientDeliveryException)
            {
                failures.Add(e);
            }
        }
        if (failures.Count > 0)
        {
            var message = string.Create(CultureInfo.InvariantCulture, $"{failures.Count} of {recipients.Count} approver emails failed: {string.Join(" | ", failures.Select(f => f.Message))}");
            throw failures.All(f => f is PermanentDeliveryException)
                ? new PermanentDeliveryException(message)
                : new TransientDeliveryException(message);
        }
    }

    /// <summary>Who is asked to act: the step's pending approvers, or the delegate a decision just named.</summary>
    internal static IReadOnlyList<string> Recipients(ValidationNotice notice) => notice.Kind switch
    {
        ValidationNoticeKinds.StepOpened or ValidationNoticeKinds.StepReminder when ValidationTexts.IsOpen(notice.Step) => notice.Step.PendingApprovers,
        // A cancelled circuit: the approvers of the step that was open must not keep a request that no longer stands.
        ValidationNoticeKinds.CircuitFinished when notice.Step.CircuitState == CircuitStates.Cancelled => notice.Step.Approvers,
        ValidationNoticeKinds.StepDecided when notice.Decision is { Decision: "delegate", DelegateTo: { } delegateTo } && ValidationTexts.IsOpen(notice.Step)
            && notice.Step.PendingApprovers.Contains(delegateTo, StringComparer.OrdinalIgnoreCase) => [delegateTo],
        _ => [],
    };

    private MailBody Compose(ValidationNotice notice, Authority authority, bool signInOffered)
    {
        var step = notice.Step;
        var body = new MailBody().Paragraph("Bonjour,");
        if (notice.Kind == ValidationNoticeKinds.CircuitFinished)
        {
            return body
                // Worded alike whatever stopped the circuit (the secretariat, the session's cancellation, an override):
                // the notice does not carry the cause.
                .Paragraph($"Ce circuit de validation a été arrêté{Nbsp}: votre décision sur le dossier «{Nbsp}{step.Title}{Nbsp}» n'est plus attendue. Les liens reçus pour ce dossier ne permettent plus de décider.")
                .Paragraph($"Le secrétariat des assemblées,\n{authority.Name}");
        }
        if (notice.Decision is { Decision: "delegate" } decision)
        {
            body.Paragraph($"{decision.Approver} vous a délégué sa décision sur le dossier «{Nbsp}{step.Title}{Nbsp}».");
        }
        body.Paragraph(notice.Kind == ValidationNoticeKinds.StepReminder
            ? $"Rappel{Nbsp}: {authority.Name} attend toujours votre décision sur le dossier «{Nbsp}{step.Title}{Nbsp}» (version {step.DossierVersion})."
            : $"{authority.Name} vous demande de valider le dossier «{Nbsp}{step.Title}{Nbsp}» (version {step.DossierVersion}).");
        body.Paragraph($"{ValidationTexts.StepLabel(step)} ({ValidationTexts.Rule(step)}).");
        if (ValidationTexts.Deadline(step) is { } deadline)
        {
            body.Paragraph($"Échéance{Nbsp}: {deadline}.");
        }
        return body
            .Link("Valider", links.Link(step.StepId, LinkedDecision.Approve))
            .Link("Refuser", links.Link(step.StepId, LinkedDecision.Reject))
            .Link("Voir le dossier", links.Link(step.StepId, LinkedDecision.View))
            .Paragraph($"Ces liens ouvrent la page de décision{Nbsp}; avant d'enregistrer votre décision, elle vous {(signInOffered ? "demandera de vous connecter ou de saisir un code reçu à cette adresse" : "enverra un code à cette adresse")} pour vérifier qu'il s'agit bien de vous. Un message transféré ne permet à personne d'autre de décider à votre place.")
            .Paragraph($"Le secrétariat des assemblées,\n{authority.Name}");
    }
}
