using Hangfire;
using IntegrationHub.Text;
using Microsoft.AspNetCore.DataProtection;

namespace IntegrationHub.Validation.Decisions;

/// <summary>
/// Sends an approver their one-time code. A job, enqueued for any address asked, so the page that asked answers alike
/// for approvers and others; the code travels through the job storage encrypted (Data Protection), never in clear, and
/// is empty (nothing is sent) for an address that is not a pending approver.
/// </summary>
public sealed class ApproverCodeMailer(ApproverMail mail, IDataProtectionProvider protection)
{
    private const string Nbsp = French.Nbsp;

    // Tried again soon, a few times: after ten minutes the code is worthless and the approver asks for another.
    [AutomaticRetry(Attempts = 3, DelaysInSeconds = [5, 20, 60])]
    public async Task SendAsync(Guid authorityId, Guid codeId, string address, string title, string protectedCode, CancellationToken cancellationToken)
    {
        var code = protection.CreateProtector(ApproverCodes.ProtectorPurpose).Unprotect(protectedCode);
        if (code.Length == 0)
        {
            // Asked for an address that is not a pending approver: enqueued all the same, so the page's timing tells nothing.
            return;
        }
        var minutes = (int)ApproverCodes.Lifetime.TotalMinutes;
        var body = new MailBody()
            .Paragraph("Bonjour,")
            .Paragraph($"Voici votre code pour enregistrer votre décision sur le dossier «{Nbsp}{title}{Nbsp}»{Nbsp}: {code}")
            .Paragraph($"Il est valable {minutes}{Nbsp}minutes et ne sert qu'une fois. Saisissez-le sur la page de décision que vous venez d'ouvrir.")
            .Paragraph($"Si vous n'avez pas demandé ce code, ignorez ce message{Nbsp}: sans lui, personne ne peut décider à votre place.");
        await mail.SendAsync(authorityId, address, $"approver-code-{codeId:N}", $"Votre code de validation{Nbsp}: {title}", body, cancellationToken);
    }
}
