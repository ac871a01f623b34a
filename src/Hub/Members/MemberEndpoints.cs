using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.Members.Import;
using IntegrationHub.Persistence;
using IntegrationHub.Security;

namespace IntegrationHub.Members;

public sealed record MemberRequest(string? FirstName, string? LastName, string? Email, string? Mobile, string? M365Upn, string? Delivery, string? PaperRequestedOn);

public sealed record MemberResponse(
    Guid Id, Guid AuthorityId, string FirstName, string LastName, string? Email, string? Mobile, string? M365Upn, string Delivery,
    DateOnly? PaperRequestedOn, string? MobileProblem, IReadOnlyList<Guid> OtherMemberships)
{
    public static MemberResponse Of(Member m, IReadOnlyList<Guid>? others = null) =>
        new(m.Id, m.AuthorityId, m.FirstName, m.LastName, m.Email, m.Mobile, m.M365Upn, m.Delivery, m.PaperRequestedOn, m.MobileProblem, others ?? []);
}

public sealed record ImportRejection(int Line, string Reason);

public sealed record ImportReport(int Created, int Updated, int Rejected, IReadOnlyList<ImportRejection> Rejections);

public static class MemberEndpoints
{
    private const long MaxCsvBytes = 5 * 1024 * 1024;

    public static void MapMemberEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/authorities/{authorityId:guid}/members", CreateAsync).WithTags("Members").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/authorities/{authorityId:guid}/members", ListAsync).WithTags("Members").RequireAuthorization(HubPolicies.Read);
        app.MapPost("/api/authorities/{authorityId:guid}/members/import", ImportAsync).WithTags("Members")
            .RequireAuthorization(HubPolicies.Write).DisableAntiforgery()
            .Accepts<IFormFile>("multipart/form-data", "text/csv");
        app.MapGet("/api/members/{memberId:guid}", GetAsync).WithTags("Members").RequireAuthorization(HubPolicies.Read);
        app.MapPut("/api/members/{memberId:guid}", UpdateAsync).WithTags("Members").RequireAuthorization(HubPolicies.Write);
    }

    private static async Task<IResult> CreateAsync(
        Guid authorityId, MemberRequest request, ClaimsPrincipal user, AuthorityStore authorities, MemberStore members, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        var fields = MemberFieldsValidator.Validate(
            request.FirstName, request.LastName, request.Email, request.Mobile, request.M365Upn, request.Delivery, request.PaperRequestedOn, out var errors);
        if (fields is null)
        {
            return Problems.Validation(errors.Select(e => (e.Field, e.Message)));
        }
        if (fields.Email is { } email && await members.EmailTakenAsync(authorityId, email, null, cancellationToken))
        {
            return Problems.Conflict("duplicate-email", $"Un élu de cette collectivité utilise déjà l'adresse {email}.");
        }
        var now = time.GetUtcNow();
        var member = new Member { Id = Guid.CreateVersion7(), AuthorityId = authorityId, CreatedAt = now, UpdatedAt = now };
        member.Apply(fields);
        await members.InsertAsync(member, cancellationToken);
        var others = await members.OtherMembershipsAsync(member, user.CanAccess, cancellationToken);
        return Results.Created($"/api/members/{member.Id}", MemberResponse.Of(member, others));
    }

    private static async Task<IResult> UpdateAsync(
        Guid memberId, MemberRequest request, ClaimsPrincipal user, MemberStore members, HubDatabase database, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var member = await members.GetAsync(memberId, cancellationToken);
        if (member is null || !user.CanAccess(member.AuthorityId))
        {
            return AccessGuard.MemberNotFound(memberId);
        }
        var fields = MemberFieldsValidator.Validate(
            request.FirstName, request.LastName, request.Email, request.Mobile, request.M365Upn, request.Delivery, request.PaperRequestedOn, out var errors);
        if (fields is null)
        {
            return Problems.Validation(errors.Select(e => (e.Field, e.Message)));
        }
        if (fields.Email is { } email && await members.EmailTakenAsync(member.AuthorityId, email, member.Id, cancellationToken))
        {
            return Problems.Conflict("duplicate-email", $"Un autre élu de cette collectivité utilise déjà l'adresse {email}.");
        }
        member.Apply(fields);
        member.UpdatedAt = time.GetUtcNow();
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            await MemberStore.UpdateAsync(connection, null, member);
        }
        return Results.Ok(MemberResponse.Of(member, await members.OtherMembershipsAsync(member, user.CanAccess, cancellationToken)));
    }

    private static async Task<IResult> ListAsync(Guid authorityId, ClaimsPrincipal user, AuthorityStore authorities, MemberStore members, CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        var list = await members.ListAsync(authorityId, cancellationToken);
        return Results.Ok(list.Select(m => MemberResponse.Of(m)));
    }

    private static async Task<IResult> GetAsync(Guid memberId, ClaimsPrincipal user, MemberStore members, CancellationToken cancellationToken)
    {
        var member = await members.GetAsync(memberId, cancellationToken);
        if (member is null || !user.CanAccess(member.AuthorityId))
        {
            return AccessGuard.MemberNotFound(memberId);
        }
        return Results.Ok(MemberResponse.Of(member, await members.OtherMembershipsAsync(member, user.CanAccess, cancellationToken)));
    }

    /// <summary>
    /// Accepts the file as <c>multipart/form-data</c> (field <c>file</c>) or as a raw <c>text/csv</c> body. Valid rows are
    /// applied together in one transaction; rejected rows change nothing.
    /// </summary>
    private static async Task<IResult> ImportAsync(
        Guid authorityId, HttpRequest http, ClaimsPrincipal user, AuthorityStore authorities, HubDatabase database, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        if (http.ContentLength > MaxCsvBytes)
        {
            return Problems.Validation("file", "Le fichier dépasse 5 Mo : découpez-le en plusieurs imports.");
        }
        Stream csv;
        if (http.HasFormContentType)
        {
            var form = await http.ReadFormAsync(cancellationToken);
            var file = form.Files.GetFile("file");
            if (file is null)
            {
                return Problems.Validation("file", "Joignez le fichier CSV dans le champ « file ».");
            }
            csv = file.OpenReadStream();
        }
        else
        {
            var buffer = new MemoryStream();
            await http.Body.CopyToAsync(buffer, cancellationToken);
            buffer.Position = 0;
            csv = buffer;
        }

        MemberCsvParseResult parsed;
        await using (csv)
        {
            try
            {
                parsed = MemberCsvParser.Parse(csv);
            }
            catch (MemberCsvFormatException ex)
            {
                return Problems.Validation("file", ex.Message);
            }
        }

        var rejections = parsed.Rejections.Select(r => new ImportRejection(r.LineNumber, r.Reason)).ToList();
        int created = 0, updated = 0;
        var now = time.GetUtcNow();
        await database.InTransactionAsync(async (connection, transaction) =>
        {
            foreach (var row in parsed.Rows)
            {
                var f = row.Fields;
                var existing = f.Email is { } email
                    ? await MemberStore.FindByEmailAsync(connection, transaction, authorityId, email)
                    : await MemberStore.FindByNameWithoutEmailAsync(connection, transaction, authorityId, f.FirstName, f.LastName);
                if (existing is null)
                {
                    var member = new Member { Id = Guid.CreateVersion7(), AuthorityId = authorityId, CreatedAt = now, UpdatedAt = now };
                    member.Apply(f);
                    await MemberStore.InsertAsync(connection, transaction, member);
                    created++;
                }
                else
                {
                    existing.Apply(f);
                    existing.UpdatedAt = now;
                    await MemberStore.UpdateAsync(connection, transaction, existing);
                    updated++;
                }
            }
        }, cancellationToken);
        return Results.Ok(new ImportReport(created, updated, rejections.Count, rejections.OrderBy(r => r.Line).ToList()));
    }

}
