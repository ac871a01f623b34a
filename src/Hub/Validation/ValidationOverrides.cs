using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Security;

namespace IntegrationHub.Validation;

public sealed record ValidationOverrideRequest(string? Reason);

/// <summary>The body of a send request (session or mailing); empty for an ordinary send.</summary>
public sealed record SendRequest(ValidationOverrideRequest? OverrideValidation);

/// <summary>How the send endpoints read an override and explain a block, the same for sessions and mailings.</summary>
public static class ValidationOverrides
{
    private const int MaxReasonLength = 2000;

    /// <summary>Reads the override of a send request; a problem when it is not allowed (not an admin: 403) or has no reason (400).</summary>
    public static IResult? TryRead(SendRequest? request, ClaimsPrincipal user, out ValidationOverride? validationOverride)
    {
        ArgumentNullException.ThrowIfNull(user);
        validationOverride = null;
        if (request?.OverrideValidation is not { } asked)
        {
            return null;
        }
        // Only the DSI's administrators may send what the circuit has not approved: the secretariat is the one the circuit checks.
        if (user.Role() != HubRoles.Admin)
        {
            return Problems.Forbidden("Seul un administrateur peut envoyer un dossier sans l'accord du circuit de validation.");
        }
        var reason = asked.Reason?.Trim() ?? "";
        if (reason.Length is 0 or > MaxReasonLength)
        {
            return Problems.Validation("overrideValidation.reason", $"Indiquez le motif pour lequel le dossier part sans validation (1 à {MaxReasonLength} caractères) : il est consigné au journal de preuve.");
        }
        validationOverride = new ValidationOverride(reason, user.Identity?.Name ?? "?");
        return null;
    }

    /// <summary>The 409 answered when the circuit blocks sending.</summary>
    public static IResult Blocked(string circuitState, bool dossierChanged) => circuitState switch
    {
        CircuitStates.Rejected => Problems.Conflict("validation-rejected",
            "Le dossier a été refusé dans le circuit de validation : corrigez-le, relancez le circuit, puis envoyez-le une fois validé."),
        CircuitStates.Approved when dossierChanged => Problems.Conflict("validation-outdated",
            "Le dossier a changé depuis sa validation : le circuit doit valider la nouvelle version avant l'envoi."),
        _ => Problems.Conflict("validation-pending",
            "Le circuit de validation de ce dossier n'est pas terminé : l'envoi attend la dernière validation. Un administrateur peut passer outre en indiquant un motif."),
    };
}
