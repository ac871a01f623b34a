using System.Security.Claims;
using IntegrationHub.Security;

namespace IntegrationHub.Api;

/// <summary>
/// Tenant scoping at the edge: a resource of another authority is answered exactly like a missing one (404), so a
/// key never learns what exists outside its authority.
/// </summary>
public static class AccessGuard
{
    public static bool Allows(ClaimsPrincipal user, Guid? authorityId) => authorityId is { } id && user.CanAccess(id);

    public static IResult AuthorityNotFound(Guid id) => Problems.NotFound($"Aucune collectivité {id} n'est accessible avec cette clé.");

    public static IResult AssemblyNotFound(Guid id) => Problems.NotFound($"Aucune assemblée {id} n'est accessible avec cette clé.");

    public static IResult MemberNotFound(Guid id) => Problems.NotFound($"Aucun élu {id} n'est accessible avec cette clé.");

    public static IResult SessionNotFound(Guid id) => Problems.NotFound($"Aucune séance {id} n'est accessible avec cette clé.");

    public static IResult ConvocationNotFound(Guid id) => Problems.NotFound($"Aucune convocation {id} n'est accessible avec cette clé.");

    public static IResult DeliveryNotFound(Guid id) => Problems.NotFound($"Aucun envoi {id} n'est accessible avec cette clé.");
}
