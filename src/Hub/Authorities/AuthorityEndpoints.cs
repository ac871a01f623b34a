using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Security;

namespace IntegrationHub.Authorities;

public sealed record CreateAuthorityRequest(string? Name, string? Kind, int? Population, string? Siren, string? DepartmentCode);

public sealed record AuthorityResponse(Guid Id, string Name, string Kind, int Population, string Siren, string DepartmentCode, DateTimeOffset CreatedAt)
{
    public static AuthorityResponse Of(Authority a) =>
        new(a.Id, a.Name, AuthorityValidation.KindName(a.Kind), a.Population, a.Siren, a.DepartmentCode, a.CreatedAt);
}

public static class AuthorityEndpoints
{
    public static void MapAuthorityEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/authorities").WithTags("Authorities");
        group.MapPost("", CreateAsync).RequireAuthorization(HubPolicies.Admin);
        group.MapGet("", ListAsync).RequireAuthorization(HubPolicies.Read);
        group.MapGet("{authorityId:guid}", GetAsync).RequireAuthorization(HubPolicies.Read);
    }

    private static async Task<IResult> CreateAsync(CreateAuthorityRequest request, ClaimsPrincipal user, AuthorityStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!user.IsPlatformOperator())
        {
            return Problems.Forbidden("Seul l'opérateur de la plateforme peut créer une collectivité.");
        }
        var errors = new List<(string, string)>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add(("name", "Le nom de la collectivité est obligatoire (200 caractères au plus)."));
        }
        if (!AuthorityValidation.TryParseKind(request.Kind, out var kind))
        {
            errors.Add(("kind", "Le type de collectivité doit être « commune », « epci », « departement », « region » ou « other »."));
        }
        if (request.Population is null or < 0)
        {
            errors.Add(("population", "La population (population municipale INSEE) est obligatoire et ne peut pas être négative."));
        }
        var siren = request.Siren?.Replace(" ", "", StringComparison.Ordinal) ?? "";
        if (!AuthorityValidation.IsValidSiren(siren))
        {
            errors.Add(("siren", $"Le SIREN « {request.Siren} » n'est pas valide : il compte 9 chiffres et sa clé de contrôle doit être juste."));
        }
        var department = AuthorityValidation.NormalizeDepartmentCode(request.DepartmentCode);
        if (department is null)
        {
            errors.Add(("departmentCode", $"Le code de département « {request.DepartmentCode} » n'est pas valide (exemples : 34, 2A, 971)."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        if (await store.SirenExistsAsync(siren, cancellationToken))
        {
            return Problems.Conflict("duplicate-siren", $"Une collectivité portant le SIREN {siren} existe déjà.");
        }
        var authority = new Authority(Guid.CreateVersion7(), name!, kind, request.Population!.Value, siren, department!, time.GetUtcNow());
        await store.InsertAsync(authority, cancellationToken);
        return Results.Created($"/api/authorities/{authority.Id}", AuthorityResponse.Of(authority));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, AuthorityStore store, CancellationToken cancellationToken)
    {
        var onlyId = user.IsPlatformOperator() ? (Guid?)null : user.ScopedAuthority() ?? Guid.Empty;
        var authorities = await store.ListAsync(onlyId, cancellationToken);
        return Results.Ok(authorities.Select(AuthorityResponse.Of));
    }

    private static async Task<IResult> GetAsync(Guid authorityId, ClaimsPrincipal user, AuthorityStore store, CancellationToken cancellationToken)
    {
        var authority = user.CanAccess(authorityId) ? await store.GetAsync(authorityId, cancellationToken) : null;
        return authority is null ? AccessGuard.AuthorityNotFound(authorityId) : Results.Ok(AuthorityResponse.Of(authority));
    }
}
