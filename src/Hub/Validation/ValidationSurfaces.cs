using IntegrationHub.Validation.Decisions;
using IntegrationHub.Validation.Teams;

namespace IntegrationHub.Validation;

/// <summary>The approvers' side of validation circuits: signed links, Teams and email notifiers, decision pages.</summary>
public static class ValidationSurfaces
{
    /// <summary>A flow that has not answered in this time is treated as down (the notice is tried again).</summary>
    public static readonly TimeSpan TeamsTimeout = TimeSpan.FromSeconds(30);

    public static IServiceCollection AddValidationSurfaces(this IServiceCollection services)
    {
        services.AddSingleton<ValidationLinks>();
        services.AddSingleton<ApproverMail>();
        services.AddSingleton<IValidationNotifier, TeamsWorkflowNotifier>();
        services.AddSingleton<IValidationNotifier, ApproverEmailNotifier>();
        // No loggers on this client: the default ones write the request URL, and the workflow URL carries its signature.
        services.AddHttpClient(TeamsWorkflowNotifier.HttpClientName, c => c.Timeout = TeamsTimeout).RemoveAllLoggers();

        services.AddSingleton<ApproverCodes>();
        services.AddTransient<ApproverCodeMailer>();
        services.AddSingleton<ApproverDecisionPages>();
        services.AddSingleton<IStepDecisions, NoStepDecisions>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "hub-antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__RequestVerificationToken";
        });
        return services;
    }
}
