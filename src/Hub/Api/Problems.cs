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

    /// <summary>The status of an answer to an exception no endpoint handled: 503 when the database failed (it may come back), else 500.</summary>
    public static int StatusOfUnhandled(Exception exception) =>
        IsStorageFull(exception) ? StatusCodes.Status507InsufficientStorage : IsDatabaseFailure(exception) ? 503 : 500;

    /// <summary>
    /// An exception no endpoint handled. Without this the answer was ASP.NET Core's English "An error occurred while
    /// processing your request." with no detail (found by the database-loss fault test): the person reading it could not
    /// tell a lost database from a bug, nor whether the operation was recorded. A request's writes are one transaction,
    /// so a database failure leaves nothing half-written: say so, in French, and never show the exception itself.
    /// </summary>
    public static void DescribeUnhandled(Exception? exception, ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        if (exception is null)
        {
            return;
        }
        if (IsStorageFull(exception))
        {
            problem.Type = TypeBase + "database-full";
            problem.Title = "Base de données pleine";
            problem.Detail = "L'espace de la base de données du hub est épuisé (disque plein ou plafond Hub:Database:SqliteMaxSizeMegabytes atteint) : l'opération n'a pas été enregistrée. Prévenez la DSI, puis réessayez.";
        }
        else if (IsDatabaseFailure(exception))
        {
            problem.Type = TypeBase + "database-unavailable";
            problem.Title = "Base de données indisponible";
            problem.Detail = "La base de données du hub ne répond pas ou la connexion a été coupée : l'opération n'a pas été enregistrée. Réessayez dans un instant.";
        }
        else
        {
            problem.Type = TypeBase + "internal-error";
            problem.Title = "Erreur interne";
            problem.Detail = "Une erreur inattendue a interrompu la requête ; elle est consignée dans le journal du hub avec l'identifiant traceId.";
        }
    }

    /// <summary>
    /// The database refused to grow: SQLite SQLITE_FULL (13), PostgreSQL disk_full (53100), SQL Server 1105 (filegroup
    /// full) or 9002 (log full). Retrying in a moment will not help: someone must free space.
    /// </summary>
    private static bool IsStorageFull(Exception exception) => exception switch
    {
        Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 } => true,
        Npgsql.PostgresException { SqlState: "53100" } => true,
        Microsoft.Data.SqlClient.SqlException { Number: 1105 or 9002 } => true,
        _ when exception.InnerException is { } inner => IsStorageFull(inner),
        _ => false,
    };

    private static bool IsDatabaseFailure(Exception exception) => exception switch
    {
        System.Data.Common.DbException => true,
        _ when exception.InnerException is { } inner => IsDatabaseFailure(inner),
        _ => false,
    };

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
