using System.Globalization;
using IntegrationHub.Legal;
using IntegrationHub.Text;

namespace IntegrationHub.Validation;

/// <summary>The French sentences a Teams card, an approver's email and the decision page share.</summary>
public static class ValidationTexts
{
    private const string Nbsp = French.Nbsp;

    /// <summary>« Étape 2/3 — Directeur général des services ».</summary>
    public static string StepLabel(ValidationStepView step) =>
        string.Create(CultureInfo.InvariantCulture, $"Étape {step.Position}/{step.StepCount} — {step.StepName}");

    /// <summary>« jeudi 26 mars 2026 à 18 h » in Paris time, or null without a deadline.</summary>
    public static string? Deadline(ValidationStepView step) =>
        step.Deadline is { } deadline ? At(deadline) : null;

    public static string At(DateTimeOffset instant) => French.DateAndTime(ParisTime.ToParisLocal(instant));

    public static string Rule(ValidationStepView step) => step.Rule switch
    {
        ValidationRules.All => "chacun des valideurs doit valider",
        _ => "la décision d'un seul valideur suffit",
    };

    /// <summary>The heading of a notice: what the reader is asked, or what happened.</summary>
    public static string Heading(ValidationNotice notice) => notice.Kind switch
    {
        ValidationNoticeKinds.StepReminder => $"Rappel{Nbsp}: validation attendue",
        ValidationNoticeKinds.StepDecided => "Décision enregistrée",
        ValidationNoticeKinds.CircuitFinished => "Circuit de validation terminé",
        _ => "Validation demandée",
    };

    /// <summary>« Validé par X le … », « Refusé par X : commentaire », « Délégué par X à Y ».</summary>
    public static string Decision(ValidationDecisionView decision) => decision.Decision switch
    {
        ValidationDecisions.Approve => $"Validé par {decision.Approver} le {At(decision.At)}",
        ValidationDecisions.Reject => string.IsNullOrWhiteSpace(decision.Comment)
            ? $"Refusé par {decision.Approver} le {At(decision.At)}"
            : $"Refusé par {decision.Approver}{Nbsp}: {decision.Comment}",
        ValidationDecisions.Delegate => $"Délégué par {decision.Approver} à {decision.DelegateTo}",
        _ => $"Décision «{Nbsp}{decision.Decision}{Nbsp}» de {decision.Approver} le {At(decision.At)}",
    };

    /// <summary>How the circuit ended, for the secretariat's channel.</summary>
    public static string CircuitOutcome(ValidationStepView step) => step.CircuitState switch
    {
        CircuitStates.Approved => $"Le dossier est validé{Nbsp}: toutes les étapes du circuit sont approuvées.",
        CircuitStates.Rejected => $"Le dossier est refusé{Nbsp}: il retourne au secrétariat.",
        CircuitStates.Cancelled => "Le circuit de validation a été annulé.",
        _ => $"Le circuit de validation est terminé ({step.CircuitState}).",
    };

    /// <summary>Whether the step still awaits decisions (its buttons are still worth showing).</summary>
    public static bool IsOpen(ValidationStepView step) => step.State == StepStates.Pending && step.PendingApprovers.Count > 0;
}
