using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.Legal;
using IntegrationHub.Members;
using IntegrationHub.Security;
using IntegrationHub.Text;

namespace IntegrationHub.Assemblies;

public sealed record CreateAssemblyRequest(string? Name, string? Kind, int? NoticeDays, int? UrgentNoticeDays, bool? ClearDays, bool? SynthesisNoteRequired);

public sealed record RuleResponse(int NoticeDays, int UrgentNoticeDays, bool ClearDays, bool SynthesisNoteRequired, string Source, string Version, DateOnly EffectiveFrom)
{
    public static RuleResponse Of(ConvocationRule r) =>
        new(r.NoticeDays, r.UrgentNoticeDays, r.ClearDays, r.SynthesisNoteRequired, r.Source, r.Version, r.EffectiveFrom);
}

public sealed record AssemblyResponse(Guid Id, Guid AuthorityId, string Name, string Kind, bool Overridden, RuleResponse Rule);

public sealed record SeatRequest(Guid MemberId, DateOnly? From, DateOnly? To);

public sealed record SeatResponse(Guid MemberId, DateOnly From, DateOnly? To);

public static class AssemblyEndpoints
{
    public static void MapAssemblyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/authorities/{authorityId:guid}/assemblies", CreateAsync).WithTags("Assemblies").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/authorities/{authorityId:guid}/assemblies", ListAsync).WithTags("Assemblies").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/assemblies/{assemblyId:guid}", GetAsync).WithTags("Assemblies").RequireAuthorization(HubPolicies.Read);
        app.MapPut("/api/assemblies/{assemblyId:guid}/seats", PutSeatsAsync).WithTags("Assemblies").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/assemblies/{assemblyId:guid}/seats", GetSeatsAsync).WithTags("Assemblies").RequireAuthorization(HubPolicies.Read);
    }

    private static async Task<IResult> CreateAsync(
        Guid authorityId, CreateAssemblyRequest request, ClaimsPrincipal user, AuthorityStore authorities, AssemblyStore store,
        ConvocationRuleCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var authority = user.CanAccess(authorityId) ? await authorities.GetAsync(authorityId, cancellationToken) : null;
        if (authority is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        var errors = new List<(string, string)>();
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            errors.Add(("name", "Le nom de l'assemblée est obligatoire (200 caractères au plus)."));
        }
        if (!AssemblyKinds.TryParse(request.Kind, out var kind))
        {
            errors.Add(("kind", "Le type d'assemblée doit être « council », « bureau », « commission », « cst » ou « other »."));
        }
        else
        {
            var legal = catalog.Derive(authority.Kind, authority.Population, kind, ParisTime.ToParisDate(time.GetUtcNow()));
            errors.AddRange(AssemblyRule.ValidateOverrides(legal, kind, request.NoticeDays, request.UrgentNoticeDays, request.SynthesisNoteRequired, request.ClearDays));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var assembly = new Assembly
        {
            Id = Guid.CreateVersion7(),
            AuthorityId = authority.Id,
            Name = name!,
            Kind = AssemblyKinds.Name(kind),
            NoticeDays = request.NoticeDays,
            UrgentNoticeDays = request.UrgentNoticeDays,
            ClearDays = request.ClearDays,
            SynthesisNoteRequired = request.SynthesisNoteRequired,
            CreatedAt = time.GetUtcNow(),
        };
        await store.InsertAsync(assembly, cancellationToken);
        return Results.Created($"/api/assemblies/{assembly.Id}", Response(catalog, authority, assembly, time));
    }

    private static async Task<IResult> ListAsync(
        Guid authorityId, ClaimsPrincipal user, AuthorityStore authorities, AssemblyStore store, ConvocationRuleCatalog catalog, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var authority = user.CanAccess(authorityId) ? await authorities.GetAsync(authorityId, cancellationToken) : null;
        if (authority is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        var assemblies = await store.ListAsync(authorityId, cancellationToken);
        return Results.Ok(assemblies.Select(a => Response(catalog, authority, a, time)));
    }

    private static async Task<IResult> GetAsync(
        Guid assemblyId, ClaimsPrincipal user, AuthorityStore authorities, AssemblyStore store, ConvocationRuleCatalog catalog, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await store.GetVisibleAsync(assemblyId, user, cancellationToken) is not { } assembly)
        {
            return AccessGuard.AssemblyNotFound(assemblyId);
        }
        var authority = (await authorities.GetAsync(assembly.AuthorityId, cancellationToken))!;
        return Results.Ok(Response(catalog, authority, assembly, time));
    }

    private static async Task<IResult> PutSeatsAsync(
        Guid assemblyId, List<SeatRequest>? request, ClaimsPrincipal user, AssemblyStore store, MemberStore members, SeatStore seats,
        CancellationToken cancellationToken)
    {
        if (await store.GetVisibleAsync(assemblyId, user, cancellationToken) is not { } assembly)
        {
            return AccessGuard.AssemblyNotFound(assemblyId);
        }
        if (request is null)
        {
            return Problems.Validation("seats", "Indiquez la liste des sièges : [{memberId, from, to}].");
        }
        var errors = new List<(string, string)>();
        var known = (await members.ListAsync(assembly.AuthorityId, cancellationToken)).Select(m => m.Id).ToHashSet();
        for (var i = 0; i < request.Count; i++)
        {
            var seat = request[i];
            if (!known.Contains(seat.MemberId))
            {
                errors.Add(($"[{i}].memberId", $"L'élu {seat.MemberId} n'appartient pas à cette collectivité."));
            }
            if (seat.From is null)
            {
                errors.Add(($"[{i}].from", "La date de début du mandat est obligatoire."));
            }
            else if (seat.To is { } to && to < seat.From)
            {
                errors.Add(($"[{i}].to", $"La fin du mandat ({French.ShortDate(to)}) précède son début ({French.ShortDate(seat.From.Value)})."));
            }
        }
        foreach (var overlap in request.GroupBy(s => s.MemberId).Where(g => Overlaps(g.ToList())))
        {
            errors.Add(("seats", $"L'élu {overlap.Key} a plusieurs mandats qui se chevauchent dans cette assemblée."));
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var rows = request.Select(s => new Seat { MemberId = s.MemberId, From = s.From!.Value, To = s.To }).ToList();
        await seats.ReplaceAsync(assembly.AuthorityId, assembly.Id, rows, cancellationToken);
        return Results.Ok(rows.Select(s => new SeatResponse(s.MemberId, s.From, s.To)));
    }

    private static async Task<IResult> GetSeatsAsync(Guid assemblyId, ClaimsPrincipal user, AssemblyStore store, SeatStore seats, CancellationToken cancellationToken)
    {
        if (await store.GetVisibleAsync(assemblyId, user, cancellationToken) is not { } assembly)
        {
            return AccessGuard.AssemblyNotFound(assemblyId);
        }
        var rows = await seats.ListAsync(assemblyId, cancellationToken);
        return Results.Ok(rows.Select(s => new SeatResponse(s.MemberId, s.From, s.To)));
    }

    private static bool Overlaps(List<SeatRequest> seats)
    {
        var ordered = seats.Where(s => s.From is not null).OrderBy(s => s.From).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            if (ordered[i - 1].To is not { } end || end >= ordered[i].From)
            {
                return true;
            }
        }
        return false;
    }

    private static AssemblyResponse Response(ConvocationRuleCatalog catalog, Authority authority, Assembly assembly, TimeProvider time) =>
        new(assembly.Id, assembly.AuthorityId, assembly.Name, assembly.Kind, assembly.IsOverridden,
            RuleResponse.Of(AssemblyRule.Effective(catalog, authority, assembly, ParisTime.ToParisDate(time.GetUtcNow()))));
}
