using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Calendars;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Documents;
using IntegrationHub.Evidence.Bundle;
using IntegrationHub.Documents.Sources;
using IntegrationHub.Convocations;
using IntegrationHub.Hosting;
using IntegrationHub.Legal;
using IntegrationHub.Mailings;
using IntegrationHub.Members;
using IntegrationHub.Security;
using IntegrationHub.Sessions;
using IntegrationHub.Validation;
using IntegrationHub.Webhooks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

// `verify <bundle.zip>`: the offline evidence verifier, before any host, database or configuration.
if (EvidenceBundleCommand.Matches(args))
{
    return EvidenceBundleCommand.Run(args, Console.Out);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddHub();

var app = builder.Build();

app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = IntegrationHub.Api.Problems.StatusOfUnhandled });
app.UseStatusCodePages();
app.UseAuthentication();
app.UseAuthorization();

app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = HealthResponse.WriteAsync });
app.MapOpenApi();
app.MapScalarApiReference("/docs", o => o.WithTitle("Hub de convocations — API"));

app.MapAuthorityEndpoints();
app.MapAssemblyEndpoints();
app.MapMemberEndpoints();
app.MapSessionEndpoints();
app.MapConvocationEndpoints();
app.MapCalendarEndpoints();
app.MapPaperEndpoints();
app.MapMemberAnswerPages();
app.MapLegalEndpoints();
app.MapApiKeyEndpoints();
app.MapConnectorEndpoints();
app.MapDocumentEndpoints();
app.MapMailingEndpoints();
app.MapMailingPages();
app.MapDocumentSourceEndpoints();
app.MapTwilioStatusEndpoint();
app.MapEvidenceEndpoints();
app.MapValidationEndpoints();
IntegrationHub.Validation.Decisions.ApproverDecisionEndpoints.MapApproverDecisionPages(app);

app.Run();
return 0;

public partial class Program;
