using IntegrationHub.Text;
using Microsoft.AspNetCore.Mvc;

namespace IntegrationHub.Api;

/// <summary>RFC 7807 answers with a French <c>detail</c> for the people who read them.</summary>
public static class Problems
{
    public const string TypeBase = "/problems/";

    public static IResult NotFound(string detail) =>
        Results.Problem(statusCode: 404, title: "Introuvable", detail: detail, type: TypeBase + "not-found");

    public static IResult Validation(IEnumerable<(string Field, string Message)> errors, string? detail = null)
    {
        var dictionary = errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray());
        return Results.ValidationProblem(
            dictionary,
            detail: detail ?? string.Join(" ", dictionary.Values.SelectMany(m => m)),
            title: "Données invalides",
            type: TypeBase + "validation");
    }

    public static IResult Validation(string field, string message) => Validation([(field, message)]);

    public static IResult Unprocessable(string type, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        Results.Problem(statusCode: 422, title: title, detail: detail, type: TypeBase + type, extensions: extensions);

    public static IResult Conflict(string type, string detail) =>
        Results.Problem(statusCode: 409, title: "Conflit", detail: detail, type: TypeBase + type);

    public static IResult Forbidden(string detail) =>
        Results.Problem(statusCode: 403, title: "Accès refusé", detail: detail, type: TypeBase + "forbidden");

    /// <summary>Every problem the hub writes goes through here (ProblemDetails customisation): French typography for its texts.</summary>
    public static void ApplyFrenchTypography(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Title = problem.Title is null ? null : French.Typography(problem.Title);
        problem.Detail = problem.Detail is null ? null : French.Typography(problem.Detail);
        if (problem is HttpValidationProblemDetails validation)
        {
            foreach (var (field, messages) in validation.Errors.ToList())
            {
                validation.Errors[field] = messages.Select(French.Typography).ToArray();
            }
        }
    }
}
