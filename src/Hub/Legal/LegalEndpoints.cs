using System.Globalization;
using IntegrationHub.Api;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Security;

namespace IntegrationHub.Legal;

public sealed record DeadlineResponse(string LatestSendDate, int NoticeDays, bool ClearDays, string Source, string Version, bool? Timely);

public static class LegalEndpoints
{
    public static void MapLegalEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/api/legal/convocation-deadline", Deadline).WithTags("Legal").RequireAuthorization(HubPolicies.Read);

    private static IResult Deadline(
        string? authorityKind, int? population, string? assemblyKind, string? meetingDate, bool? urgent, string? sentAt, ConvocationRuleCatalog catalog)
    {
        var errors = new List<(string, string)>();
        if (!AuthorityValidation.TryParseKind(authorityKind, out var authority))
        {
            errors.Add(("authorityKind", "authorityKind doit être « commune », « epci », « departement », « region » ou « other »."));
        }
        if (population is null or < 0)
        {
            errors.Add(("population", "population est obligatoire et ne peut pas être négative."));
        }
        var assembly = AssemblyKind.Council;
        if (assemblyKind is not null && !AssemblyKinds.TryParse(assemblyKind, out assembly))
        {
            errors.Add(("assemblyKind", "assemblyKind doit être « council », « bureau », « commission », « cst » ou « other »."));
        }
        if (!DateOnly.TryParseExact(meetingDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var meeting))
        {
            errors.Add(("meetingDate", "meetingDate doit être une date AAAA-MM-JJ."));
        }
        DateTimeOffset? sent = null;
        if (sentAt is not null)
        {
            if (DateTimeOffset.TryParse(sentAt, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) && HasOffset(sentAt))
            {
                sent = parsed;
            }
            else
            {
                errors.Add(("sentAt", "sentAt doit être un instant ISO 8601 avec son fuseau, par exemple 2026-03-20T22:59:00Z."));
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var isUrgent = urgent ?? false;
        var rule = catalog.Derive(authority, population!.Value, assembly, meeting);
        var latest = ConvocationDeadline.LatestSendDate(meeting, rule, isUrgent);
        return Results.Ok(new DeadlineResponse(
            latest.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            isUrgent ? rule.UrgentNoticeDays : rule.NoticeDays,
            rule.ClearDays,
            rule.Source,
            rule.Version,
            sent is { } s ? ConvocationDeadline.IsTimely(s, meeting, rule, isUrgent) : null));
    }

    private static bool HasOffset(string value) =>
        value.EndsWith('Z') || value.EndsWith('z') || value.LastIndexOfAny(['+', '-']) > value.IndexOf('T', StringComparison.Ordinal);
}
