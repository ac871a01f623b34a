using System.Security.Claims;

namespace IntegrationHub.Security;

/// <summary>Which authorities the caller's key may touch: one, or all for a platform operator.</summary>
public static class CallerScope
{
    public const string AuthorityClaim = "hub:authority";
    public const string AllAuthorities = "*";

    public static bool IsPlatformOperator(this ClaimsPrincipal user) =>
        user.FindFirstValue(AuthorityClaim) == AllAuthorities;

    public static bool CanAccess(this ClaimsPrincipal user, Guid authorityId)
    {
        var scope = user.FindFirstValue(AuthorityClaim);
        return scope == AllAuthorities || (Guid.TryParse(scope, out var id) && id == authorityId);
    }

    public static Guid? ScopedAuthority(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(AuthorityClaim), out var id) ? id : null;

    public static string Role(this ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Role) ?? "";
}
