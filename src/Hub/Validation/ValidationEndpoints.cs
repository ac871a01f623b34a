using System.Data.Common;
using System.Security.Claims;
using System.Xml;
using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.Mailings;
using IntegrationHub.Members;
using IntegrationHub.Persistence;
using IntegrationHub.Security;
using IntegrationHub.Sessions;

namespace IntegrationHub.Validation;

/// <summary>A step of a template as the API reads it: durations in ISO 8601 (<c>P2D</c>, <c>PT12H</c>).</summary>
public sealed record TemplateStepRequest(string? Name, IReadOnlyList<string>? Approvers, string? Rule, string? Deadline, string? Reminder);

public sealed record TemplateRequest(string? Name, IReadOnlyList<TemplateStepRequest>? Steps);

public sealed record TemplateStepResponse(string Name, IReadOnlyList<string> Approvers, string Rule, string? Deadline, string? Reminder);

public sealed record TemplateResponse(Guid Id, Guid AuthorityId, string Name, IReadOnlyList<TemplateStepResponse> Steps, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static TemplateResponse Of(ValidationTemplate t) => new(t.Id, t.AuthorityId, t.Name,
        t.Steps.Select(s => new TemplateStepResponse(s.Name, s.Approvers, s.Rule, Iso(s.Deadline), Iso(s.Reminder))).ToList(), t.CreatedAt, t.UpdatedAt);

    private static string? Iso(TimeSpan? duration) => duration is { } d ? XmlConvert.ToString(d) : null;
}

public sealed record StartValidationRequest(Guid? TemplateId);

public sealed record ApproverResponse(string Approver, string? DelegatedFrom, bool Active, string? Decision, DateTimeOffset? DecidedAt);

public sealed record StepResponse(
    Guid Id, int Position, string Name, string Rule, string State, DateTimeOffset? OpenedAt, DateTimeOffset? Deadline, bool Overdue,
    DateTimeOffset? ReminderAt, DateTimeOffset? RemindedAt, DateTimeOffset? ClosedAt, IReadOnlyList<ApproverResponse> Approvers);

public sealed record DecisionResponse(
    Guid StepId, string StepName, int Round, int DossierVersion, string DossierFingerprint, string Approver, string Decision, string? Comment,
    string? DelegateTo, string Proof, DateTimeOffset At);

public sealed record NoticeResponse(Guid Id, Guid StepId, string Kind, string Channel, string Status, int Attempts, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? SentAt);

public sealed record ValidationStateResponse(
    Guid Id, Guid? SessionId, Guid? MailingId, Guid TemplateId, string TemplateName, string State, int DossierVersion, string DossierFingerprint,
    string? CurrentFingerprint, bool DossierChanged, int Round, int Position, int StepCount, DateTimeOffset StartedAt, string StartedBy,
    DateTimeOffset? FinishedAt, IReadOnlyList<StepResponse> Steps, IReadOnlyList<DecisionResponse> History, IReadOnlyList<NoticeResponse> Notices);

/// <summary>
/// The secretariat's side of validation circuits: templates per authority, and a circuit started, followed and cancelled
/// on a session's or a mailing's dossier. Approvers decide elsewhere (signed link, then proof of identity).
/// </summary>
public static class ValidationEndpoints
{
    private const int MaxSteps = 20;
    private const int MaxApprovers = 50;
    private const int MaxNameLength = 200;

    public static void MapValidationEndpoints(this IEndpointRouteBuilder app)
    {
        // Who approves, and stopping a circuit, are the administrator's: a secretariat that could name itself the only
        // approver, or cancel a circuit that refused its dossier (a dossier without an active circuit sends freely),
        // would send without the approval the circuit exists for. Reading, and starting a circuit, stay the secretariat's.
        app.MapPost("/api/authorities/{authorityId:guid}/validation-templates", CreateTemplateAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Admin);
        app.MapGet("/api/authorities/{authorityId:guid}/validation-templates", ListTemplatesAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/validation-templates/{templateId:guid}", GetTemplateAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Read);
        app.MapPut("/api/validation-templates/{templateId:guid}", UpdateTemplateAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Admin);
        app.MapDelete("/api/validation-templates/{templateId:guid}", DeleteTemplateAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Admin);

        app.MapPost("/api/sessions/{sessionId:guid}/validation", StartSessionAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/sessions/{sessionId:guid}/validation", GetSessionAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Read);
        app.MapDelete("/api/sessions/{sessionId:guid}/validation", CancelSessionAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Admin);
        app.MapPost("/api/mailings/{mailingId:guid}/validation", StartMailingAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/mailings/{mailingId:guid}/validation", GetMailingAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Read);
        app.MapDelete("/api/mailings/{mailingId:guid}/validation", CancelMailingAsync).WithTags("Validation").RequireAuthorization(HubPolicies.Admin);
    }

    private static async Task<IResult> CreateTemplateAsync(
        Guid authorityId, TemplateRequest request, ClaimsPrincipal user, AuthorityStore authorities, ValidationStore store, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (!user.CanAccess(authorityId) || await authorities.GetAsync(authorityId, cancellationToken) is null)
        {
            return AccessGuard.AuthorityNotFound(authorityId);
        }
        if (Parse(request, out var name, out var steps) is { } invalid)
        {
            return invalid;
        }
        var now = time.GetUtcNow();
        var template = new ValidationTemplate
        {
            Id = Guid.CreateVersion7(), AuthorityId = authorityId, Name = name, Steps = steps, CreatedAt = now, CreatedBy = user.Identity?.Name ?? "?", UpdatedAt = now,
        };
        await store.InsertTemplateAsync(template, cancellationToken);
        return Results.Created($"/api/validation-templates/{template.Id}", TemplateResponse.Of(template));
    }

    private static async Task<IResult> ListTemplatesAsync(Guid authorityId, ClaimsPrincipal user, ValidationStore store, CancellationToken cancellationToken) =>
        user.CanAccess(authorityId)
            ? Results.Ok((await store.ListTemplatesAsync(authorityId, cancellationToken)).Select(TemplateResponse.Of))
            : AccessGuard.AuthorityNotFound(authorityId);

    private static async Task<IResult> GetTemplateAsync(Guid templateId, ClaimsPrincipal user, ValidationStore store, CancellationToken cancellationToken) =>
        await VisibleTemplateAsync(store, templateId, user, cancellationToken) is { } template
            ? Results.Ok(TemplateResponse.Of(template))
            : TemplateNotFound(templateId);

    private static async Task<IResult> UpdateTemplateAsync(
        Guid templateId, TemplateRequest request, ClaimsPrincipal user, ValidationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await VisibleTemplateAsync(store, templateId, user, cancellationToken) is not { } template)
        {
            return TemplateNotFound(templateId);
        }
        if (Parse(request, out var name, out var steps) is { } invalid)
        {
            return invalid;
        }
        // Circuits already running keep the steps they copied; the new ones apply to circuits started from now on.
        template.Name = name;
        template.Steps = steps;
        template.UpdatedAt = time.GetUtcNow();
        return await store.UpdateTemplateAsync(template, cancellationToken) ? Results.Ok(TemplateResponse.Of(template)) : TemplateNotFound(templateId);
    }

    private static async Task<IResult> DeleteTemplateAsync(Guid templateId, ClaimsPrincipal user, ValidationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await VisibleTemplateAsync(store, templateId, user, cancellationToken) is null)
        {
            return TemplateNotFound(templateId);
        }
        return await store.TryDeleteTemplateAsync(templateId, time.GetUtcNow(), cancellationToken)
            ? Results.NoContent()
            : Problems.Conflict("template-in-use", "Ce modèle de circuit est utilisé par un circuit de validation en cours : attendez sa fin ou annulez-le avant de supprimer le modèle.");
    }

    private static async Task<IResult> StartSessionAsync(
        Guid sessionId, StartValidationRequest request, ClaimsPrincipal user, SessionStore sessions, ValidationStore store, ValidationService validation,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        if (session.Status != SessionStatus.Draft)
        {
            return NotDraft("Les convocations de cette séance sont déjà parties, ou la séance est annulée : il n'y a plus de dossier à valider.");
        }
        return await StartAsync(ValidationDossier.Of(session), request, user, store, validation,
            $"/api/sessions/{sessionId}/validation", time, cancellationToken);
    }

    private static async Task<IResult> StartMailingAsync(
        Guid mailingId, StartValidationRequest request, ClaimsPrincipal user, MailingStore mailings, ValidationStore store, ValidationService validation,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (await MailingEndpoints.VisibleAsync(mailings, mailingId, user, cancellationToken) is not { } mailing)
        {
            return MailingEndpoints.MailingNotFound(mailingId);
        }
        if (mailing.Status != MailingStatus.Draft)
        {
            return NotDraft("Cet envoi de documents est déjà parti : il n'y a plus rien à valider.");
        }
        return await StartAsync(ValidationDossier.Of(mailing), request, user, store, validation, $"/api/mailings/{mailingId}/validation", time, cancellationToken);
    }

    private static async Task<IResult> StartAsync(
        ValidationDossier dossier, StartValidationRequest request, ClaimsPrincipal user, ValidationStore store, ValidationService validation, string location,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.TemplateId is not { } templateId
            || await store.GetTemplateAsync(templateId, cancellationToken) is not { } template
            || template.AuthorityId != dossier.AuthorityId)
        {
            return Problems.Validation("templateId", "Choisissez un modèle de circuit de validation de la collectivité.");
        }
        ValidationCircuit? circuit;
        try
        {
            circuit = await validation.StartAsync(dossier, template, user.Identity?.Name ?? "?", cancellationToken);
        }
        catch (DbException ex) when (HubDatabase.IsUniqueViolation(ex))
        {
            return Problems.Conflict("validation-started", "Un circuit de validation vient d'être lancé sur ce dossier par ailleurs : rechargez-le.");
        }
        if (circuit is null)
        {
            return NotDraft("Ce dossier vient d'être envoyé ou annulé : il n'y a plus rien à valider.");
        }
        return Results.Created(location, await DescribeAsync(store, circuit, time, cancellationToken));
    }

    private static async Task<IResult> GetSessionAsync(
        Guid sessionId, ClaimsPrincipal user, SessionStore sessions, ValidationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is null)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        return await store.CurrentCircuitAsync(sessionId, null, cancellationToken) is { } circuit
            ? Results.Ok(await DescribeAsync(store, circuit, time, cancellationToken))
            : NoCircuit();
    }

    private static async Task<IResult> GetMailingAsync(
        Guid mailingId, ClaimsPrincipal user, MailingStore mailings, ValidationStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await MailingEndpoints.VisibleAsync(mailings, mailingId, user, cancellationToken) is null)
        {
            return MailingEndpoints.MailingNotFound(mailingId);
        }
        return await store.CurrentCircuitAsync(null, mailingId, cancellationToken) is { } circuit
            ? Results.Ok(await DescribeAsync(store, circuit, time, cancellationToken))
            : NoCircuit();
    }

    private static async Task<IResult> CancelSessionAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, ValidationService validation, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        return await validation.CancelAsync(ValidationDossier.Of(session), user.Identity?.Name ?? "?", "annulé par l'administrateur", cancellationToken)
            ? Results.NoContent()
            : NoCircuit();
    }

    private static async Task<IResult> CancelMailingAsync(Guid mailingId, ClaimsPrincipal user, MailingStore mailings, ValidationService validation, CancellationToken cancellationToken)
    {
        if (await MailingEndpoints.VisibleAsync(mailings, mailingId, user, cancellationToken) is not { } mailing)
        {
            return MailingEndpoints.MailingNotFound(mailingId);
        }
        return await validation.CancelAsync(ValidationDossier.Of(mailing), user.Identity?.Name ?? "?", "annulé par l'administrateur", cancellationToken)
            ? Results.NoContent()
            : NoCircuit();
    }

    /// <summary>The circuit as the secretariat follows it: the current round's steps, every decision ever taken, the notices.</summary>
    internal static async Task<ValidationStateResponse> DescribeAsync(ValidationStore store, ValidationCircuit circuit, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await store.OpenAsync(cancellationToken);
        var allSteps = await ValidationStore.AllStepsAsync(connection, circuit.Id);
        var approvers = (await ValidationStore.ApproversAsync(connection, null, circuit.Id)).ToLookup(a => a.StepId);
        var decisions = await ValidationStore.DecisionsAsync(connection, circuit.Id);
        var names = allSteps.ToDictionary(s => s.Id, s => s.Name);
        var steps = allSteps.Where(s => s.Round == circuit.Round).Select(s => new StepResponse(
            s.Id, s.Position, s.Name, s.Rule, s.State, s.OpenedAt, s.DeadlineAt, s.State == StepStates.Pending && s.DeadlineAt < now,
            s.RemindAt, s.RemindedAt, s.ClosedAt,
            approvers[s.Id].Select(a => new ApproverResponse(a.Approver, a.DelegatedFrom, a.Active, a.Decision, a.DecidedAt)).ToList())).ToList();
        var history = decisions.Select(d => new DecisionResponse(
            d.StepId, names.GetValueOrDefault(d.StepId, ""), d.Round, d.DossierVersion, d.DossierFingerprint, d.Approver, d.Decision, d.Comment, d.DelegateTo,
            d.Proof, d.DecidedAt)).ToList();
        var notices = (await store.NoticesAsync(circuit.Id, cancellationToken)).Select(n => new NoticeResponse(
            n.Id, n.StepId, n.Kind, n.Channel, n.Status, n.Attempts, n.LastError, n.CreatedAt, n.SentAt)).ToList();
        var current = (await DossierFingerprint.CurrentAsync(connection, null, new ValidationDossier(circuit.AuthorityId, circuit.SessionId, circuit.MailingId)))?.Fingerprint;
        return new ValidationStateResponse(
            circuit.Id, circuit.SessionId, circuit.MailingId, circuit.TemplateId, circuit.TemplateName, circuit.State, circuit.DossierVersion,
            circuit.DossierFingerprint, current, current is not null && current != circuit.DossierFingerprint, circuit.Round, circuit.Position,
            circuit.StepCount, circuit.StartedAt, circuit.StartedBy, circuit.FinishedAt, steps, history, notices);
    }

    /// <summary>Checks a template as sent; the problem names each bad field (<c>steps[1].approvers[0]</c>).</summary>
    private static IResult? Parse(TemplateRequest request, out string name, out List<TemplateStep> steps)
    {
        var errors = new List<(string, string)>();
        name = request.Name?.Trim() ?? "";
        steps = [];
        if (name.Length is 0 or > MaxNameLength)
        {
            errors.Add(("name", $"Donnez un nom au modèle de circuit (1 à {MaxNameLength} caractères)."));
        }
        if (request.Steps is not { Count: > 0 and <= MaxSteps })
        {
            errors.Add(("steps", $"Un circuit compte de 1 à {MaxSteps} étapes."));
        }
        for (var i = 0; i < (request.Steps?.Count ?? 0) && i < MaxSteps; i++)
        {
            var step = request.Steps![i];
            var field = $"steps[{i}]";
            if (step is null)
            {
                errors.Add((field, "Étape vide."));
                continue;
            }
            var stepName = step.Name?.Trim() ?? "";
            if (stepName.Length is 0 or > MaxNameLength)
            {
                errors.Add(($"{field}.name", $"Donnez un nom à l'étape {i + 1} (1 à {MaxNameLength} caractères)."));
            }
            var approvers = new List<string>();
            if (step.Approvers is not { Count: > 0 and <= MaxApprovers })
            {
                errors.Add(($"{field}.approvers", $"L'étape {i + 1} doit avoir de 1 à {MaxApprovers} personnes qui valident (adresse électronique ou UPN)."));
            }
            for (var j = 0; j < (step.Approvers?.Count ?? 0); j++)
            {
                var address = ValidationService.Normalise(step.Approvers![j] ?? "");
                if (!MemberFieldsValidator.IsEmail(address))
                {
                    errors.Add(($"{field}.approvers[{j}]", $"« {step.Approvers[j]} » n'est pas une adresse électronique valide."));
                }
                else if (approvers.Contains(address))
                {
                    errors.Add(($"{field}.approvers[{j}]", $"{address} figure deux fois dans l'étape {i + 1}."));
                }
                else
                {
                    approvers.Add(address);
                }
            }
            var rule = step.Rule ?? ValidationRules.Any;
            if (!ValidationRules.IsKnown(rule))
            {
                errors.Add(($"{field}.rule", "La règle d'une étape est « any » (une personne suffit) ou « all » (toutes doivent valider)."));
            }
            var deadline = Duration(step.Deadline, $"{field}.deadline", "Le délai", errors);
            var reminder = Duration(step.Reminder, $"{field}.reminder", "Le rappel", errors);
            if (reminder is not null && deadline is null && step.Deadline is null)
            {
                errors.Add(($"{field}.reminder", "Un rappel se compte avant le délai de l'étape : indiquez aussi le délai."));
            }
            else if (reminder >= deadline)
            {
                errors.Add(($"{field}.reminder", "Le rappel doit partir avant la fin du délai : il doit être plus court que le délai."));
            }
            steps.Add(new TemplateStep(stepName, approvers, rule, deadline, reminder));
        }
        return errors.Count > 0 ? Problems.Validation(errors) : null;
    }

    private static TimeSpan? Duration(string? text, string field, string label, List<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        TimeSpan value;
        try
        {
            value = XmlConvert.ToTimeSpan(text.Trim());
        }
        catch (FormatException)
        {
            errors.Add((field, $"{label} s'écrit en durée ISO 8601, par exemple « P2D » (2 jours) ou « PT12H » (12 heures)."));
            return null;
        }
        catch (OverflowException)
        {
            errors.Add((field, $"{label} est trop long."));
            return null;
        }
        if (value <= TimeSpan.Zero)
        {
            errors.Add((field, $"{label} doit être une durée positive."));
            return null;
        }
        return value;
    }

    private static async Task<ValidationTemplate?> VisibleTemplateAsync(ValidationStore store, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken) =>
        await store.GetTemplateAsync(id, cancellationToken) is { } template && user.CanAccess(template.AuthorityId) ? template : null;

    private static IResult TemplateNotFound(Guid id) => Problems.NotFound($"Aucun modèle de circuit {id} n'est accessible avec cette clé.");

    private static IResult NoCircuit() => Problems.NotFound("Aucun circuit de validation n'a été lancé sur ce dossier.");

    private static IResult NotDraft(string detail) => Problems.Conflict("not-draft", detail);
}
