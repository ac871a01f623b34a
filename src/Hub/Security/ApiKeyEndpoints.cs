using System.Security.Claims;
using IntegrationHub.Api;

namespace IntegrationHub.Security;

public sealed record CreateApiKeyRequest(string? Name, string? Role, Guid? AuthorityId);

public sealed record ApiKeyResponse(Guid Id, string Name, string Role, Guid? AuthorityId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

public sealed record CreatedApiKeyResponse(Guid Id, string Name, string Role, Guid? AuthorityId, string Key);

public static class ApiKeyEndpoints
{
    public static void MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/api-keys", CreateAsync).WithTags("Security").RequireAuthorization(HubPolicies.Admin);
        app.MapGet("/api/api-keys", ListAsync).WithTags("Security").RequireAuthorization(HubPolicies.Admin);
        app.MapDelete("/api/api-keys/{keyId:guid}", RevokeAsync).WithTags("Security").RequireAuthorization(HubPolicies.Admin);
    }

    private static async Task<IResult> CreateAsync(CreateApiKeyRequest request, ClaimsPrincipal user, ApiKeyStore keys, Authorities.AuthorityStore authorities, CancellationToken cancellationToken)
    {
        var errors = new List<(string, string)>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            errors.Add(("name", "Donnez un nom à la clé (200 caractères au plus), par exemple « Secrétariat général »."));
        }
        if (request.Role is null || !HubRoles.All.Contains(request.Role))
        {
            errors.Add(("role", "Le rôle doit être « admin », « secretariat » ou « auditor »."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        // A key scoped to one authority can only hand out keys for that authority.
        if (!user.IsPlatformOperator() && request.AuthorityId != user.ScopedAuthority())
        {
            return Problems.Forbidden("Vous ne pouvez créer des clés que pour votre collectivité.");
        }
        if (request.AuthorityId is { } id && await authorities.GetAsync(id, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(id);
        }
        var (record, key) = await keys.CreateAsync(request.Name!.Trim(), request.Role!, request.AuthorityId, cancellationToken);
        return Results.Created($"/api/api-keys/{record.Id}", new CreatedApiKeyResponse(record.Id, record.Name, record.Role, record.AuthorityId, key));
    }

    private static async Task<IResult> ListAsync(ClaimsPrincipal user, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var list = await keys.ListAsync(user.IsPlatformOperator() ? null : user.ScopedAuthority(), cancellationToken);
        return Results.Ok(list.Select(k => new ApiKeyResponse(k.Id, k.Name, k.Role, k.AuthorityId, k.CreatedAt, k.RevokedAt)));
    }

    private static async Task<IResult> RevokeAsync(Guid keyId, ClaimsPrincipal user, ApiKeyStore keys, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(keyId, cancellationToken);
        if (key is null || !(user.IsPlatformOperator() || (key.AuthorityId is { } a && user.CanAccess(a))))
        {
            return Problems.NotFound($"Aucune clé {keyId} n'est accessible avec cette clé.");
        }
        await keys.RevokeAsync(keyId, cancellationToken);
        return Results.NoContent();
    }
}
