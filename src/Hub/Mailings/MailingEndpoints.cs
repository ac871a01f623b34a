using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.Convocations;
using IntegrationHub.Documents;
using IntegrationHub.Documents.Intake;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Members;
using IntegrationHub.Security;
using Microsoft.Net.Http.Headers;

namespace IntegrationHub.Mailings;

public sealed record CreateMailingRequest(string? Title, string? Message, IReadOnlyList<Guid>? MemberIds, int? LinkValidityDays);

public sealed record MailingDocumentResponse(Guid Id, string Sha256, long Size, string Name, string MediaType, int Position, DateTimeOffset UploadedAt)
{
    public static MailingDocumentResponse Of(MailingDocument d) => new(d.Id, d.Sha256, d.Size, d.Name, d.MediaType, d.Position, d.UploadedAt);
}

public sealed record MailingRecipientResponse(
    Guid MemberId, string Name, IReadOnlyList<DeliveryResponse> Deliveries, DateTimeOffset? FirstOpenedAt, int Downloads, bool PaperOnly);

public sealed record MailingResponse(
    Guid Id, Guid AuthorityId, string Title, string Message, string Status, int LinkValidityDays, DateTimeOffset? LinksExpireAt,
    DateTimeOffset CreatedAt, DateTimeOffset? SentAt, IReadOnlyList<MailingDocumentResponse> Documents, IReadOnlyList<MailingRecipientResponse> Recipients);

public sealed record MailingSummary(Guid Id, string Title, string Status, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

/// <summary>
/// « Envoi dématérialisé de documents »: the secretariat writes a mailing to some élus, attaches documents (checked like
/// session documents), and sends it once; each élu is told through their channels and reads through a personal link.
/// </summary>
public static class MailingEndpoints
{
    /// <summary>How long the recipients' links stay valid after sending, unless the mailing says otherwise.</summary>
    public const int DefaultLinkValidityDays = 90;

    private const int MaxLinkValidityDays = 366;
    private const int MaxRecipients = 1000;
    private const int MaxTitleLength = 200;
    private const int MaxMessageLength = 5000;

    public static void MapMailingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/authorities/{authorityId:guid}/mailings", CreateAsync).WithTags("Mailings").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/authorities/{authorityId:guid}/mailings", ListAsync).WithTags("Mailings").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/mailings/{mailingId:guid}", GetAsync).WithTags("Mailings").RequireAuthorization(HubPolicies.Read);
        app.MapPost("/api/mailings/{mailingId:guid}/documents", UploadAsync).WithTags("Mailings").RequireAuthorization(HubPolicies.Write)
            .DisableAntiforgery().Accepts<IFormFile>("multipart/form-data");
        app.MapGet("/api/mailings/{mailingId:guid}/documents/{documentId:guid}/content", StaffContentAsync).WithTags("Mailings").RequireAuthorization(HubPolicies.Read);
        app.MapPost("/api/mailings/{mailingId:guid}/send", SendAsync).WithTags("Mailings").RequireAuthorization(HubPolicies.Write);
    }

    private static async Task<IResult> CreateAsync(
        Guid authorityId, CreateMailingRequest request, ClaimsPrincipal user, AuthorityStore authorities, MemberStore members, MailingStore mailings,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        var errors = new List<(string, string)>();
        var title = request.Title?.Trim() ?? "";
        if (title.Length is 0 or > MaxTitleLength)
        {
            errors.Add(("title", $"Donnez un objet à l'envoi (1 à {MaxTitleLength} caractères)."));
        }
        var message = request.Message?.Trim() ?? "";
        if (message.Length > MaxMessageLength)
        {
            errors.Add(("message", $"Le message ne peut dépasser {MaxMessageLength} caractères."));
        }
        var validity = request.LinkValidityDays ?? DefaultLinkValidityDays;
        if (validity is < 1 or > MaxLinkValidityDays)
        {
            errors.Add(("linkValidityDays", $"La durée de validité des liens doit être comprise entre 1 et {MaxLinkValidityDays} jours."));
        }
        var memberIds = (request.MemberIds ?? []).Distinct().ToList();
        if (memberIds.Count is 0 or > MaxRecipients)
        {
            errors.Add(("memberIds", $"Choisissez de 1 à {MaxRecipients} élus destinataires."));
        }
        else
        {
            var known = (await members.ListAsync(authorityId, cancellationToken)).Select(m => m.Id).ToHashSet();
            var unknown = memberIds.Where(id => !known.Contains(id)).ToList();
            if (unknown.Count > 0)
            {
                errors.Add(("memberIds", $"Ces élus ne sont pas ceux de la collectivité{Text.French.Nbsp}: {string.Join(", ", unknown)}."));
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var now = time.GetUtcNow();
        var mailing = new Mailing
        {
            Id = Guid.CreateVersion7(),
            AuthorityId = authorityId,
            Title = title,
            Message = message,
            Status = MailingStatus.Draft,
            LinkValidityDays = validity,
            CreatedAt = now,
            CreatedBy = user.Identity?.Name ?? "?",
        };
        var recipients = memberIds.Select(id => new MailingRecipient
        {
            Id = Guid.CreateVersion7(), AuthorityId = authorityId, MailingId = mailing.Id, MemberId = id, CreatedAt = now,
        }).ToList();
        await mailings.InsertAsync(mailing, recipients, cancellationToken);
        return Results.Created($"/api/mailings/{mailing.Id}", await DescribeAsync(mailing, mailings, members, cancellationToken));
    }

    private static async Task<IResult> ListAsync(Guid authorityId, ClaimsPrincipal user, MailingStore mailings, CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId))
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        return Results.Ok((await mailings.ListAsync(authorityId, cancellationToken)).Select(m => new MailingSummary(m.Id, m.Title, m.Status, m.CreatedAt, m.SentAt)));
    }

    private static async Task<IResult> GetAsync(Guid mailingId, ClaimsPrincipal user, MailingStore mailings, MemberStore members, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(mailings, mailingId, user, cancellationToken) is not { } mailing)
        {
            return MailingNotFound(mailingId);
        }
        return Results.Ok(await DescribeAsync(mailing, mailings, members, cancellationToken));
    }

    private static async Task<IResult> UploadAsync(
        Guid mailingId, HttpRequest request, ClaimsPrincipal user, MailingStore mailings, DocumentIntake intake, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (await VisibleAsync(mailings, mailingId, user, cancellationToken) is not { } mailing)
        {
            return MailingNotFound(mailingId);
        }
        if (mailing.Status != MailingStatus.Draft)
        {
            return AlreadySent();
        }
        var limit = await intake.SizeLimitBytesAsync(mailing.AuthorityId, cancellationToken);
        var (upload, problem) = await MultipartUpload.ReadAsync(request, intake, limit, cancellationToken);
        if (upload is null)
        {
            return problem!;
        }
        await using (upload)
        {
            if (upload.File is null)
            {
                return Problems.Validation("file", "Joignez le document dans le champ « file ».");
            }
            var errors = new List<(string, string)>();
            var (safeName, mediaType) = await intake.CheckNameAndTypeAsync(upload.File, upload.FileName, "file", errors, cancellationToken);
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }
            if (await intake.ScanAsync(upload.File, safeName!, mailing.Id, cancellationToken) is { } refused)
            {
                return refused;
            }
            var blob = await intake.CommitAsync(upload.File, cancellationToken);
            var document = new MailingDocument
            {
                Id = Guid.CreateVersion7(),
                AuthorityId = mailing.AuthorityId,
                MailingId = mailing.Id,
                Name = safeName!,
                MediaType = mediaType!,
                Sha256 = blob.Sha256,
                Size = blob.Size,
                UploadedAt = time.GetUtcNow(),
                UploadedBy = user.Identity?.Name ?? "?",
            };
            // The committed bytes stay in the store if the mailing was sent meanwhile: the store is content-addressed,
            // and the same bytes may belong to other documents.
            return await mailings.TryAddDocumentAsync(mailing, document, cancellationToken)
                ? Results.Created($"/api/mailings/{mailing.Id}/documents/{document.Id}/content", MailingDocumentResponse.Of(document))
                : AlreadySent();
        }
    }

    private static async Task<IResult> StaffContentAsync(
        Guid mailingId, Guid documentId, ClaimsPrincipal user, MailingStore mailings, IDocumentStore store, CancellationToken cancellationToken)
    {
        var document = await mailings.GetDocumentAsync(documentId, cancellationToken);
        if (document is null || document.MailingId != mailingId || !user.CanAccess(document.AuthorityId))
        {
            return Problems.NotFound($"Aucun document {documentId} de cet envoi n'est accessible avec cette clé.");
        }
        return Content(document, store);
    }

    private static async Task<IResult> SendAsync(
        Guid mailingId, Validation.SendRequest? request, ClaimsPrincipal user, MailingStore mailings, MailingDispatch dispatch, CancellationToken cancellationToken)
    {
        if (await VisibleAsync(mailings, mailingId, user, cancellationToken) is not { } mailing)
        {
            return MailingNotFound(mailingId);
        }
        if (Validation.ValidationOverrides.TryRead(request, user, out var validationOverride) is { } refused)
        {
            return refused;
        }
        return await dispatch.SendAsync(mailing, validationOverride, cancellationToken) switch
        {
            MailingSendOutcome.ValidationRequired v => Validation.ValidationOverrides.Blocked(v.CircuitState, v.DossierChanged),
            MailingSendOutcome.Accepted accepted => Results.Accepted($"/api/mailings/{mailing.Id}", new
            {
                recipients = accepted.Recipients,
                deliveries = accepted.Deliveries,
                paperOnly = accepted.PaperOnly.Select(m => new { memberId = m.Id, name = m.DisplayName }),
            }),
            MailingSendOutcome.NoDocument => Problems.Unprocessable("no-document", "Aucun document",
                "Joignez au moins un document avant d'envoyer."),
            _ => AlreadySent(),
        };
    }

    /// <summary>Streams a mailing's document with its ETag (the SHA-256) and range support.</summary>
    internal static IResult Content(MailingDocument document, IDocumentStore store)
    {
        var content = store.OpenRead(document.Sha256);
        if (content is null)
        {
            return Results.Problem(statusCode: 500, title: "Document manquant", detail: "Le contenu de ce document est introuvable dans le stockage.");
        }
        return Results.Stream(content, document.MediaType, fileDownloadName: document.Name,
            entityTag: new EntityTagHeaderValue($"\"{document.Sha256}\""), enableRangeProcessing: true);
    }

    private static async Task<MailingResponse> DescribeAsync(Mailing mailing, MailingStore mailings, MemberStore members, CancellationToken cancellationToken)
    {
        var documents = await mailings.DocumentsAsync(mailing.Id, cancellationToken);
        var deliveries = (await mailings.DeliveriesAsync(mailing.Id, cancellationToken)).ToLookup(d => d.MailingRecipientId);
        var reads = (await mailings.ReadsAsync(mailing.Id, cancellationToken)).ToLookup(r => r.MemberId);
        var recipients = new List<MailingRecipientResponse>();
        foreach (var recipient in await mailings.RecipientsAsync(mailing.Id, cancellationToken))
        {
            var member = await members.GetAsync(recipient.MemberId, cancellationToken);
            var own = deliveries[recipient.Id].Select(ConvocationEndpoints.ToResponse).ToList();
            var memberReads = reads[recipient.MemberId].ToList();
            recipients.Add(new MailingRecipientResponse(
                recipient.MemberId,
                member?.DisplayName ?? "?",
                own,
                memberReads.FirstOrDefault(r => r.Access == DocumentAccess.Open)?.At,
                memberReads.Count(r => r.Access == DocumentAccess.Download),
                PaperOnly: mailing.Status == MailingStatus.Sent && own.Count == 0));
        }
        return new MailingResponse(mailing.Id, mailing.AuthorityId, mailing.Title, mailing.Message, mailing.Status, mailing.LinkValidityDays,
            mailing.LinksExpireAt, mailing.CreatedAt, mailing.SentAt, documents.Select(MailingDocumentResponse.Of).ToList(), recipients);
    }

    internal static async Task<Mailing?> VisibleAsync(MailingStore mailings, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await mailings.GetAsync(id, cancellationToken) is { } mailing && user.CanAccess(mailing.AuthorityId) ? mailing : null;

    internal static IResult MailingNotFound(Guid id) => Problems.NotFound($"Aucun envoi de documents {id} n'est accessible avec cette clé.");

    private static IResult AlreadySent() =>
        Problems.Conflict("already-sent", "Cet envoi est déjà parti : on ne peut plus le modifier ni l'envoyer de nouveau. Créez un nouvel envoi.");
}
