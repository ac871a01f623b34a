using System.Security.Claims;
using IntegrationHub.Api;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Dispatch;
using IntegrationHub.Legal;
using IntegrationHub.Security;
using IntegrationHub.Text;

namespace IntegrationHub.Sessions;

public sealed record AgendaItemResponse(Guid Id, int Position, string Title, string? Rapporteur, string? ActesNature, string? ActesMatiere);

public sealed record SessionResponse(
    Guid Id, Guid AuthorityId, Guid AssemblyId, string StartsAt, DateTimeOffset StartsAtUtc, int DurationMinutes, string Place,
    bool Urgent, string? UrgencyReason, string Status, int Version, DateTimeOffset? SentAt, DateOnly LatestSendDate,
    RuleResponse Rule, IReadOnlyList<AgendaItemResponse> Items, string? CancellationReason)
{
    public static SessionResponse Of(Session s) => new(
        s.Id, s.AuthorityId, s.AssemblyId, s.StartsAtLocal, s.StartsAt, s.DurationMinutes, s.Place, s.Urgent, s.UrgencyReason, s.Status,
        s.Version, s.SentAt, s.LatestSendDate, RuleResponse.Of(s.Rule),
        s.Items.Select(i => new AgendaItemResponse(i.Id, i.Position, i.Title, i.Rapporteur, i.ActesNature, i.ActesMatiere)).ToList(),
        s.CancellationReason);
}

public sealed record SendResponse(int Convocations, int Deliveries);

public static class SessionEndpoints
{
    public static void MapSessionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/assemblies/{assemblyId:guid}/sessions", CreateAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/assemblies/{assemblyId:guid}/sessions", ListAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Read);
        app.MapGet("/api/sessions/{sessionId:guid}", GetAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Read);
        app.MapPatch("/api/sessions/{sessionId:guid}", PatchAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Write);
        app.MapPost("/api/sessions/{sessionId:guid}/cancel", CancelAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Write);
        app.MapPost("/api/sessions/{sessionId:guid}/send", SendAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Write);
        app.MapGet("/api/sessions/{sessionId:guid}/versions", VersionsAsync).WithTags("Sessions").RequireAuthorization(HubPolicies.Read);
    }

    private static async Task<IResult> CreateAsync(
        Guid assemblyId, CreateSessionRequest request, ClaimsPrincipal user, AssemblyStore assemblies, AuthorityStore authorities,
        SessionStore sessions, ConvocationRuleCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await assemblies.GetVisibleAsync(assemblyId, user, cancellationToken) is not { } assembly)
        {
            return AccessGuard.AssemblyNotFound(assemblyId);
        }
        var now = time.GetUtcNow();
        var errors = new List<(string, string)>();
        var urgent = request.Urgent ?? false;
        SessionInput.ValidateStart(request.StartsAt, now, errors, out var local, out var instant);
        SessionInput.ValidatePlace(request.Place, errors);
        SessionInput.ValidateUrgency(urgent, request.UrgencyReason, errors);
        SessionInput.ValidateDuration(request.DurationMinutes, errors);
        var items = SessionInput.ValidateItems(request.Items, urgent, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        var authority = (await authorities.GetAsync(assembly.AuthorityId, cancellationToken))!;
        var session = new Session
        {
            Id = Guid.CreateVersion7(),
            AuthorityId = assembly.AuthorityId,
            AssemblyId = assembly.Id,
            StartsAtLocal = local.ToString(Session.LocalFormat, System.Globalization.CultureInfo.InvariantCulture),
            StartsAt = instant.ToUniversalTime(),
            DurationMinutes = request.DurationMinutes ?? SessionInput.DefaultDurationMinutes,
            Place = request.Place!.Trim(),
            Urgent = urgent,
            UrgencyReason = urgent ? request.UrgencyReason!.Trim() : null,
            Status = SessionStatus.Draft,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
            Items = items,
        };
        session.ApplyRule(AssemblyRule.Effective(catalog, authority, assembly, session.MeetingDate));
        await sessions.InsertAsync(session, cancellationToken);
        return Results.Created($"/api/sessions/{session.Id}", SessionResponse.Of(session));
    }

    private static async Task<IResult> ListAsync(Guid assemblyId, ClaimsPrincipal user, AssemblyStore assemblies, SessionStore sessions, CancellationToken cancellationToken)
    {
        if (await assemblies.GetVisibleAsync(assemblyId, user, cancellationToken) is not { } assembly)
        {
            return AccessGuard.AssemblyNotFound(assemblyId);
        }
        var list = await sessions.ListAsync(assemblyId, cancellationToken);
        return Results.Ok(list.Select(SessionResponse.Of));
    }

    private static async Task<IResult> GetAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, CancellationToken cancellationToken)
    {
        return await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is { } session
            ? Results.Ok(SessionResponse.Of(session))
            : AccessGuard.SessionNotFound(sessionId);
    }

    private static async Task<IResult> VersionsAsync(Guid sessionId, ClaimsPrincipal user, SessionStore sessions, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        return Results.Ok(await sessions.VersionsAsync(sessionId, cancellationToken));
    }

    private static async Task<IResult> PatchAsync(
        Guid sessionId, PatchSessionRequest request, ClaimsPrincipal user, SessionStore sessions, AssemblyStore assemblies,
        AuthorityStore authorities, ConvocationRuleCatalog catalog, DispatchService dispatch, Persistence.HubDatabase database,
        Validation.ValidationService validation, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        if (session.Status == SessionStatus.Cancelled)
        {
            return Problems.Conflict("cancelled", "Cette séance a été annulée : elle ne peut plus être modifiée.");
        }
        var now = time.GetUtcNow();
        var errors = new List<(string, string)>();
        var changes = new List<string>();
        var convenedItemIds = session.Items.Select(i => i.Id).ToHashSet();
        var urgent = request.Urgent ?? session.Urgent;

        if (request.StartsAt is not null)
        {
            SessionInput.ValidateStart(request.StartsAt, now, errors, out var local, out var instant);
            var formatted = local.ToString(Session.LocalFormat, System.Globalization.CultureInfo.InvariantCulture);
            if (errors.Count == 0 && formatted != session.StartsAtLocal)
            {
                changes.Add($"date et heure : {French.DateAndTime(session.LocalStart)} → {French.DateAndTime(local)}");
                session.StartsAtLocal = formatted;
                session.StartsAt = instant.ToUniversalTime();
            }
        }
        if (request.Place is not null)
        {
            SessionInput.ValidatePlace(request.Place, errors);
            if (errors.Count == 0 && request.Place.Trim() != session.Place)
            {
                changes.Add($"lieu : {session.Place} → {request.Place.Trim()}");
                session.Place = request.Place.Trim();
            }
        }
        SessionInput.ValidateUrgency(urgent, request.UrgencyReason ?? session.UrgencyReason, errors);
        if (urgent != session.Urgent || (request.UrgencyReason is not null && request.UrgencyReason.Trim() != session.UrgencyReason))
        {
            changes.Add(urgent ? "séance convoquée en urgence" : "urgence levée");
            session.Urgent = urgent;
            session.UrgencyReason = urgent ? (request.UrgencyReason ?? session.UrgencyReason)?.Trim() : null;
        }
        if (request.DurationMinutes is { } minutes)
        {
            SessionInput.ValidateDuration(minutes, errors);
            if (minutes != session.DurationMinutes)
            {
                changes.Add("durée prévue");
                session.DurationMinutes = minutes;
            }
        }
        if (request.Items is not null)
        {
            var items = SessionInput.ValidateItems(request.Items, urgent, errors, session.Items);
            if (errors.Count == 0 && !items.Select(i => (i.Title, i.Rapporteur)).SequenceEqual(session.Items.Select(i => (i.Title, i.Rapporteur))))
            {
                changes.Add("ordre du jour");
                session.Items = items;
            }
        }
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }
        // LEGAL.md §1.3: an urgent session opens with the assembly's vote on the urgency, however urgency was declared.
        if (session.Urgent && (session.Items.Count == 0 || !string.Equals(session.Items[0].Title, SessionInput.UrgencyVoteTitle, StringComparison.OrdinalIgnoreCase)))
        {
            session.Items.Insert(0, new AgendaItem { Id = Guid.CreateVersion7(), Title = SessionInput.UrgencyVoteTitle });
            for (var i = 0; i < session.Items.Count; i++)
            {
                session.Items[i].Position = i + 1;
            }
            if (!changes.Contains("ordre du jour"))
            {
                changes.Add("ordre du jour");
            }
        }
        if (changes.Count == 0)
        {
            return Results.Ok(SessionResponse.Of(session));
        }

        var authority = (await authorities.GetAsync(session.AuthorityId, cancellationToken))!;
        var assembly = (await assemblies.GetAsync(session.AssemblyId, cancellationToken))!;
        session.ApplyRule(AssemblyRule.Effective(catalog, authority, assembly, session.MeetingDate));
        session.UpdatedAt = now;

        if (session.Status == SessionStatus.Draft)
        {
            // A change to the dossier restarts its validation circuit, in the same transaction (issue 6).
            IReadOnlyList<Guid> notices = [];
            var result = await GuardedAsync(() => database.InTransactionAsync(async (c, t) =>
            {
                await SessionStore.UpdateAsync(c, t, session, SessionStatus.Draft, session.Version);
                notices = await validation.SessionChangedAsync(c, t, session, user.Identity?.Name ?? "?", now);
            }, cancellationToken), session);
            validation.EnqueueNotices(notices);
            return result;
        }

        // After sending, the members were convened on the sending date: a new meeting date must still leave the legal delay.
        if (session.SentAt is { } sentAt && !ConvocationDeadline.IsTimely(sentAt, session.MeetingDate, session.Rule, session.Urgent))
        {
            return LateProblem(session, ParisTime.ToParisDate(sentAt),
                $"La convocation a été envoyée le {French.ShortDate(ParisTime.ToParisDate(sentAt))} : la nouvelle date ne respecte pas le délai de convocation (envoi au plus tard le {French.ShortDate(session.LatestSendDate)}). Annulez la séance et convoquez-en une nouvelle, ou déclarez l'urgence avec son motif.");
        }
        // LEGAL.md §1–§2 (CGCT L2121-10 to L2121-12): the council deliberates only on questions it was convened on in
        // time, so a question added after sending is itself convened now and must still leave the delay (or the
        // urgency delay, L2121-11/12 al. 2, once urgency is declared with its reason).
        var added = session.Items.Where(i => !convenedItemIds.Contains(i.Id)).ToList();
        if (added.Count > 0 && !ConvocationDeadline.IsTimely(now, session.MeetingDate, session.Rule, session.Urgent))
        {
            var questions = string.Join(", ", added.Select(i => $"« {i.Title} »"));
            return LateProblem(session, ParisTime.ToParisDate(now), session.Urgent
                ? $"Trop tard pour ajouter {questions} à l'ordre du jour : même en urgence, une nouvelle question devait être convoquée au plus tard le {French.ShortDate(session.LatestSendDate)} ({session.Rule.UrgentNoticeDays} jour(s) franc(s), {session.Rule.Source}). Inscrivez-la à une séance ultérieure."
                : $"Trop tard pour ajouter {questions} à l'ordre du jour : une nouvelle question doit être convoquée avec le même délai que la séance, soit au plus tard le {French.ShortDate(session.LatestSendDate)} ({DelayText(session.Rule)}, {session.Rule.Source}). Inscrivez-la à une séance ultérieure, ou déclarez l'urgence avec son motif si la situation le justifie. Les autres modifications (lieu, intitulés) restent possibles.");
        }
        if (added.Count > 0)
        {
            changes.AddRange(added.Select(i => $"question ajoutée : {i.Title}"));
        }
        session.Version++;
        var summary = "Modification après envoi : " + string.Join(" ; ", changes);
        return await GuardedAsync(() => dispatch.NotifyChangeAsync(session, DeliveryPurpose.Update, summary,
            (c, t) => SessionStore.UpdateAsync(c, t, session, SessionStatus.Sent, session.Version - 1), cancellationToken), session);
    }

    private static async Task<IResult> CancelAsync(
        Guid sessionId, CancelSessionRequest? request, ClaimsPrincipal user, SessionStore sessions, DispatchService dispatch,
        Persistence.HubDatabase database, Validation.ValidationService validation, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        if (session.Status == SessionStatus.Cancelled)
        {
            return Problems.Conflict("cancelled", "Cette séance est déjà annulée.");
        }
        if (string.IsNullOrWhiteSpace(request?.Reason))
        {
            return Problems.Validation("reason", "Indiquez le motif de l'annulation : il est communiqué aux élus.");
        }
        var now = time.GetUtcNow();
        var wasSent = session.Status == SessionStatus.Sent;
        var readStatus = session.Status;
        session.Status = SessionStatus.Cancelled;
        session.CancelledAt = now;
        session.CancellationReason = request.Reason.Trim();
        session.UpdatedAt = now;
        if (!wasSent)
        {
            // Its validation circuit ends with it: approvers are not asked (nor reminded) about a session that will not take place.
            return await GuardedAsync(() => database.InTransactionAsync(async (c, t) =>
            {
                await SessionStore.UpdateAsync(c, t, session, readStatus, session.Version);
                await validation.CancelAsync(c, t, Validation.ValidationDossier.Of(session), user.Identity?.Name ?? "?", "séance annulée : " + session.CancellationReason, now);
            }, cancellationToken), session);
        }
        session.Version++;
        return await GuardedAsync(() => dispatch.NotifyChangeAsync(session, DeliveryPurpose.Cancellation, "Séance annulée : " + session.CancellationReason,
            (c, t) => SessionStore.UpdateAsync(c, t, session, SessionStatus.Sent, session.Version - 1), cancellationToken), session);
    }

    private static async Task<IResult> SendAsync(
        Guid sessionId, Validation.SendRequest? request, ClaimsPrincipal user, SessionStore sessions, DispatchService dispatch, CancellationToken cancellationToken)
    {
        if (await sessions.GetVisibleAsync(sessionId, user, cancellationToken) is not { } session)
        {
            return AccessGuard.SessionNotFound(sessionId);
        }
        if (Validation.ValidationOverrides.TryRead(request, user, out var validationOverride) is { } refused)
        {
            return refused;
        }
        var outcome = await dispatch.SendAsync(session, validationOverride, cancellationToken);
        return outcome switch
        {
            SendOutcome.Accepted a => Results.Accepted($"/api/sessions/{sessionId}/convocations", new SendResponse(a.Convocations, a.Deliveries)),
            SendOutcome.Late late => LateProblem(session, late.SendDate, late.Urgent
                ? $"Même en urgence, la convocation devait partir au plus tard le {French.ShortDate(late.LatestSendDate)} ({session.Rule.UrgentNoticeDays} jour(s) franc(s), {session.Rule.Source})."
                : $"Trop tard : la convocation devait partir au plus tard le {French.ShortDate(late.LatestSendDate)} ({DelayText(session.Rule)}, {session.Rule.Source}). Déclarez l'urgence avec son motif si la situation le justifie, ou reportez la séance."),
            SendOutcome.AlreadySent s => Problems.Conflict("already-sent",
                s.Status == SessionStatus.Cancelled ? "Cette séance a été annulée." : "Les convocations de cette séance ont déjà été envoyées."),
            SendOutcome.SynthesisNoteMissing missing => Problems.Unprocessable("synthesis-note-missing", "Note de synthèse manquante",
                $"La note explicative de synthèse est obligatoire pour cette assemblée ({missing.RuleSource}) : joignez-la à la séance (type « synthesisNote ») avant d'envoyer les convocations."),
            SendOutcome.ValidationRequired v => Validation.ValidationOverrides.Blocked(v.CircuitState, v.DossierChanged),
            SendOutcome.NoMemberInOffice => Problems.Unprocessable("no-member", "Aucun élu en exercice",
                "Aucun élu n'est en exercice dans cette assemblée à la date de la séance : renseignez les sièges avant d'envoyer."),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>Runs a guarded session write; a concurrent change answers 409 and nothing of this request is kept.</summary>
    private static async Task<IResult> GuardedAsync(Func<Task> write, Session session)
    {
        try
        {
            await write();
            return Results.Ok(SessionResponse.Of(session));
        }
        catch (SessionChangedException)
        {
            return Problems.Conflict("changed", "La séance vient d'être modifiée, envoyée ou annulée par ailleurs : rechargez-la puis recommencez.");
        }
    }

    private static string DelayText(ConvocationRule rule) => $"{rule.NoticeDays} {(rule.ClearDays ? "jours francs" : "jours")}";

    private static IResult LateProblem(Session session, DateOnly sendDate, string detail) =>
        Problems.Unprocessable("late", "Délai de convocation dépassé", detail, new Dictionary<string, object?>
        {
            ["latestSendDate"] = session.LatestSendDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["sendDate"] = sendDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["urgent"] = session.Urgent,
            ["ruleSource"] = session.Rule.Source,
            ["ruleVersion"] = session.Rule.Version,
        });
}
