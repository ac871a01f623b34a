using System.Security.Claims;
using IntegrationHub.Security;

namespace IntegrationHub.Api;

/// <summary>
/// Tenant scoping at the edge: a resource of another authority is answered exactly like a missing one (404), so a
/// key never learns what exists outside its authority.
/// </summary>
public static class AccessGuard
{
    /// <summary>The session, or null when it does not exist or belongs to an authority outside the caller's scope.</summary>
    public static async Task<Sessions.Session?> GetVisibleAsync(this Sessions.SessionStore sessions, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await sessions.GetAsync(id, cancellationToken) is { } session && user.CanAccess(session.AuthorityId) ? session : null;

    /// <summary>The assembly, or null when it does not exist or belongs to an authority outside the caller's scope.</summary>
    public static async Task<Assemblies.Assembly?> GetVisibleAsync(this Assemblies.AssemblyStore assemblies, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await assemblies.GetAsync(id, cancellationToken) is { } assembly && user.CanAccess(assembly.AuthorityId) ? assembly : null;

    public static bool Allows(ClaimsPrincipal user, Guid? authorityId) => authorityId is { } id && user.CanAccess(id);

    public static IResult AuthorityNotFound(Guid id) => Problems.NotFound($"Aucune collectivité {id} n'est accessible avec cette clé.");

    public static IResult AssemblyNotFound(Guid id) => Problems.NotFound($"Aucune assemblée {id} n'est accessible avec cette clé.");

    public static IResult MemberNotFound(Guid id) => Problems.NotFound($"Aucun élu {id} n'est accessible avec cette clé.");

    public static IResult SessionNotFound(Guid id) => Problems.NotFound($"Aucune séance {id} n'est accessible avec cette clé.");

    public static IResult ConvocationNotFound(Guid id) => Problems.NotFound($"Aucune convocation {id} n'est accessible avec cette clé.");

    public static IResult DeliveryNotFound(Guid id) => Problems.NotFound($"Aucun envoi {id} n'est accessible avec cette clé.");
}
