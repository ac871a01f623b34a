using IntegrationHub.Validation.Decisions;
using IntegrationHub.Validation.Teams;

namespace IntegrationHub.Validation;

/// <summary>The approvers' side of validation circuits: signed links, Teams and email notifiers, decision pages.</summary>
public static class ValidationSurfaces
{
    /// <summary>A Teams flow or Entra ID that has not answered in this time is treated as down.</summary>
    public static readonly TimeSpan OutboundTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddValidationSurfaces(this IServiceCollection services)
    {
        services.AddSingleton<ValidationLinks>();
        services.AddSingleton<ApproverMail>();
        services.AddSingleton<IValidationNotifier, TeamsWorkflowNotifier>();
        services.AddSingleton<IValidationNotifier, ApproverEmailNotifier>();
        // No loggers on this client: the default ones write the request URL, and the workflow URL carries its signature.
        services.AddHttpClient(TeamsWorkflowNotifier.HttpClientName, c => c.Timeout = OutboundTimeout).RemoveAllLoggers();

        services.AddSingleton<ApproverCodes>();
        services.AddTransient<ApproverCodeMailer>();
        services.AddSingleton<ApproverSignIn>();
        services.AddHttpClient(ApproverSignIn.HttpClientName, c => c.Timeout = OutboundTimeout);
        services.AddSingleton<ApproverDecisionPages>();
        services.AddSingleton<IStepDecisions, CircuitStepDecisions>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "hub-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__RequestVerificationToken";
        });
        return services;
    }
}
