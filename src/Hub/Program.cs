using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Calendars;
using IntegrationHub.ConnectorInstances;
using IntegrationHub.Documents;
using IntegrationHub.Documents.Sources;
using IntegrationHub.Convocations;
using IntegrationHub.Hosting;
using IntegrationHub.Legal;
using IntegrationHub.Mailings;
using IntegrationHub.Members;
using IntegrationHub.Security;
using IntegrationHub.Sessions;
using IntegrationHub.Webhooks;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddHub();

var app = builder.Build();

app.UseExceptionHandler();
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

app.Run();

public partial class Program;
