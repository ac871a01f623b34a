using System.Net.Mail;
using System.Text;
using IntegrationHub.Authorities;
using IntegrationHub.Documents;
using IntegrationHub.Mailings;
using IntegrationHub.Sessions;
using IntegrationHub.Text;
using Microsoft.AspNetCore.Antiforgery;

namespace IntegrationHub.Validation.Decisions;

/// <summary>
/// The page a « Valider » / « Refuser » button (Teams card or email) opens. The signed link binds one step and expires,
/// but proves nothing about the person holding it: the page asks for the approver's address, emails a one-time code
/// to it when it is one of the step's pending approvers (the answer is the same otherwise: the page reveals no
/// approver), and records the decision only with that code, in an anti-forgery-protected POST. Reading the page never
/// changes anything (mail scanners and link previews follow links).
/// </summary>
public sealed class ApproverDecisionPages(
    ValidationLinks links,
    IStepDecisions decisions,
    ApproverCodes codes,
    ApproverSignIn signIn,
    IAntiforgery antiforgery,
    AuthorityStore authorities,
    SessionStore sessions,
    SessionDocumentStore sessionDocuments,
    MailingStore mailings,
    Documents.Storage.IDocumentStore documentStore,
    ILogger<ApproverDecisionPages> logger)
{
    private const string Nbsp = French.Nbsp;

    public const string Proof = "otp";

    private sealed record PageState(string Token, ResolvedStepLink Link, ValidationStepView Step);

    private sealed record FormValues(string? Email = null, string? Decision = null, string? Comment = null, string? DelegateTo = null);

    public async Task<IResult> ShowAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, refusal) = await LoadAsync(token, cancellationToken);
        return state is null ? refusal! : await PageAsync(http, state, new FormValues(), notice: null, StatusCodes.Status200OK, cancellationToken);
    }

    public async Task<IResult> RequestCodeAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, form, refusal) = await LoadPostAsync(token, http, cancellationToken);
        if (state is null || form is null)
        {
            return refusal!;
        }
        var email = form["email"].ToString().Trim();
        if (!IsAddress(email))
        {
            return await PageAsync(http, state, new FormValues(email), "Indiquez votre adresse électronique professionnelle (celle à laquelle la demande de validation vous a été adressée).",
                StatusCodes.Status422UnprocessableEntity, cancellationToken);
        }
        var outcome = await codes.RequestAsync(state.Step, email, cancellationToken);
        if (outcome == CodeRequestOutcome.TooMany)
        {
            return await PageAsync(http, state, new FormValues(email),
                $"Trop de codes ont été demandés pour cette adresse ou pour cette étape{Nbsp}: attendez un quart d'heure (une heure au plus), ou utilisez le dernier code reçu.", StatusCodes.Status429TooManyRequests, cancellationToken);
        }
        var minutes = (int)ApproverCodes.Lifetime.TotalMinutes;
        return await PageAsync(http, state, new FormValues(email, LinkDecision(state.Link)),
            $"Si cette adresse est celle d'une personne attendue à cette étape, un code vient de lui être envoyé. Il est valable {minutes}{Nbsp}minutes. Saisissez-le ci-dessous avec votre décision.",
            StatusCodes.Status200OK, cancellationToken);
    }

    public async Task<IResult> DecideAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, form, refusal) = await LoadPostAsync(token, http, cancellationToken);
        if (state is null || form is null)
        {
            return refusal!;
        }
        var signedIn = form["proof"] == ApproverSignIn.Proof ? signIn.SignedInAddress(http, state.Step.StepId) : null;
        var values = new FormValues(
            signedIn ?? form["email"].ToString().Trim(), form["decision"].ToString(), Blank(form["comment"].ToString()), Blank(form["delegateTo"].ToString()));
        if (form["proof"] == ApproverSignIn.Proof && signedIn is null)
        {
            return await PageAsync(http, state, values, $"Votre connexion Microsoft a expiré{Nbsp}: reconnectez-vous, ou demandez un code par courriel.", StatusCodes.Status403Forbidden, cancellationToken);
        }
        if (((signedIn is null ? IncompleteIdentity(values, form["code"].ToString()) : null) ?? IncompleteDecision(values)) is { } problem)
        {
            return await PageAsync(http, state, values, problem, StatusCodes.Status422UnprocessableEntity, cancellationToken);
        }
        Guid? codeId = null;
        if (signedIn is null)
        {
            var check = await codes.CheckAsync(state.Step.StepId, values.Email!, form["code"].ToString(), cancellationToken);
            if (check is CodeCheck.Locked locked)
            {
                // No code in the log: only that the step, or one address on it, met its limit of wrong codes.
                logger.LogWarning("Too many wrong approver codes on step {StepId} ({Scope}): codes refused from now on", state.Step.StepId, locked.ForEveryone ? "all addresses" : "one address");
                return await PageAsync(http, state, values, locked.ForEveryone
                        ? $"Trop de codes erronés ont été saisis à cette étape{Nbsp}: plus aucun code n'y est accepté. Contactez le secrétariat des assemblées, qui peut relancer le circuit de validation."
                        : $"Trop de codes erronés ont été saisis pour cette adresse à cette étape{Nbsp}: elle est bloquée pour ce dossier. Contactez le secrétariat des assemblées.",
                    StatusCodes.Status403Forbidden, cancellationToken);
            }
            if (check is not CodeCheck.Proven proven)
            {
                var notice = check is CodeCheck.Wrong { AttemptsLeft: var left } && left > 0
                    ? $"Code incorrect pour cette adresse. Il vous reste {left}{Nbsp}essai{(left > 1 ? "s" : "")}."
                    : $"Ce code n'est pas ou plus valable pour cette adresse (expiré, déjà utilisé, ou trop d'essais){Nbsp}: demandez un nouveau code.";
                return await PageAsync(http, state, values, notice, StatusCodes.Status403Forbidden, cancellationToken);
            }
            codeId = proven.CodeId;
        }
        var approver = ApproverCodes.Normalize(values.Email!);
        var proof = signedIn is null ? Proof : ApproverSignIn.Proof;
        var result = await decisions.DecideAsync(
            state.Step.StepId, approver, values.Decision!, values.Comment, values.DelegateTo is { } d ? ApproverCodes.Normalize(d) : null, proof, cancellationToken);
        if (result is not StepDecisionResult.Invalid)
        {
            if (codeId is { } spent)
            {
                await codes.MarkUsedAsync(spent, cancellationToken);
            }
            ApproverSignIn.Forget(http);
        }
        logger.LogInformation("Decision {Decision} on step {StepId} by an approver proven by {Proof}: {Result}", values.Decision, state.Step.StepId, proof, result.GetType().Name);
        return result switch
        {
            StepDecisionResult.Recorded => Message(DecisionTitle(values.Decision!), Confirmation(state.Step, values), StatusCodes.Status200OK),
            StepDecisionResult.NotAnApprover => Message("Décision non enregistrée",
                $"<p>Cette adresse n'est pas celle d'une personne dont la décision est attendue à cette étape{Nbsp}: rien n'a été enregistré. Si vous pensez devoir valider ce dossier, contactez le secrétariat des assemblées.</p>",
                StatusCodes.Status403Forbidden),
            StepDecisionResult.StepClosed closed => Closed(state.Step with { State = closed.State }),
            StepDecisionResult.Invalid invalid => await PageAsync(http, state, values, invalid.Reason, StatusCodes.Status422UnprocessableEntity, cancellationToken),
            _ => throw new InvalidOperationException($"Unknown decision result {result}."),
        };
    }

    /// <summary>
    /// A document of the dossier under decision, with the link alone (like a member's documents): the approver must be
    /// able to read what they approve before proving who they are, and the link opens only the current documents of its
    /// step's session or mailing, while the step is open.
    /// </summary>
    public async Task<IResult> DocumentAsync(string token, Guid documentId, CancellationToken cancellationToken)
    {
        var (state, refusal) = await LoadAsync(token, cancellationToken);
        if (state is null)
        {
            return refusal!;
        }
        (string Sha256, string MediaType, string Name)? file = null;
        if (state.Step.SessionId is { } sessionId
            && (await sessionDocuments.CurrentAsync(sessionId, cancellationToken)).FirstOrDefault(d => d.Id == documentId) is { } document)
        {
            file = (document.Sha256, document.MediaType, document.Name);
        }
        else if (state.Step.MailingId is { } mailingId && await mailings.GetDocumentAsync(documentId, cancellationToken) is { } attached && attached.MailingId == mailingId)
        {
            file = (attached.Sha256, attached.MediaType, attached.Name);
        }
        if (file is not { } found)
        {
            return Message("Document introuvable", "<p>Ce document ne fait pas (ou plus) partie du dossier de cette étape.</p>", StatusCodes.Status404NotFound);
        }
        return documentStore.OpenRead(found.Sha256) is { } content
            ? Results.Stream(content, found.MediaType, fileDownloadName: found.Name,
                entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{found.Sha256}\""), enableRangeProcessing: true)
            : Message("Document manquant", "<p>Le contenu de ce document est introuvable dans le stockage. Prévenez le secrétariat des assemblées.</p>", StatusCodes.Status500InternalServerError);
    }

    /// <summary>Sends the approver to Entra ID, when the authority turned its sign-in on.</summary>
    public async Task<IResult> SignInAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, refusal) = await LoadAsync(token, cancellationToken);
        if (state is null)
        {
            return refusal!;
        }
        return await signIn.SettingsAsync(state.Step.AuthorityId, cancellationToken) is { } settings
            ? await signIn.StartAsync(http, token, state.Step.AuthorityId, settings, cancellationToken)
            : Results.Redirect("/validation/decisions/" + Uri.EscapeDataString(token));
    }

    /// <summary>Back from Entra ID: the proven address is remembered for this step, and the page shows the decision form.</summary>
    public async Task<IResult> SignedInAsync(HttpContext http, CancellationToken cancellationToken)
    {
        var (token, address, error) = await signIn.CompleteAsync(http, cancellationToken);
        var (state, refusal) = await LoadAsync(token ?? "", cancellationToken);
        if (state is null)
        {
            return refusal!;
        }
        if (address is null)
        {
            return await PageAsync(http, state, new FormValues(), error, StatusCodes.Status403Forbidden, cancellationToken);
        }
        signIn.Remember(http, state.Step.StepId, address);
        logger.LogInformation("Approver signed in with Entra ID for step {StepId}", state.Step.StepId);
        return Results.Redirect("/validation/decisions/" + Uri.EscapeDataString(state.Token));
    }

    /// <summary>A POST from the page: the link and the step must still hold, and the form must come from the page itself.</summary>
    private async Task<(PageState? State, IFormCollection? Form, IResult? Refusal)> LoadPostAsync(string token, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, refusal) = await LoadAsync(token, cancellationToken);
        if (state is null)
        {
            return (null, null, refusal);
        }
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return (null, null, FormExpired(token));
        }
        return (state, await http.Request.ReadFormAsync(cancellationToken), null);
    }

    private async Task<(PageState? State, IResult? Refusal)> LoadAsync(string token, CancellationToken cancellationToken)
    {
        if (links.Resolve(token) is not { } link || await decisions.GetStepAsync(link.StepId, cancellationToken) is not { } step)
        {
            return (null, InvalidLink());
        }
        return ValidationTexts.IsOpen(step) ? (new PageState(token, link, step), null) : (null, Closed(step));
    }

    private static string? IncompleteIdentity(FormValues values, string code)
    {
        if (!IsAddress(values.Email))
        {
            return "Indiquez votre adresse électronique, celle à laquelle le code a été envoyé.";
        }
        return code.Any(char.IsAsciiDigit) ? null : $"Saisissez le code à huit chiffres reçu par courriel (ou demandez-en un{Nbsp}: formulaire ci-dessus).";
    }

    private static string? IncompleteDecision(FormValues values) =>
        values.Decision switch
        {
            "approve" => null,
            "reject" when values.Comment is null => $"Indiquez le motif du refus{Nbsp}: il est transmis au secrétariat avec le dossier.",
            "reject" => null,
            "delegate" when !IsAddress(values.DelegateTo) => "Indiquez l'adresse électronique de la personne à qui vous déléguez votre décision.",
            "delegate" => null,
            _ => "Choisissez votre décision : valider, refuser ou déléguer.",
        };

    private async Task<IResult> PageAsync(HttpContext http, PageState state, FormValues values, string? notice, int status, CancellationToken cancellationToken)
    {
        var step = state.Step;
        var authority = await authorities.GetAsync(step.AuthorityId, cancellationToken);
        var tokens = antiforgery.GetAndStoreTokens(http);
        var hidden = $"<input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" value=\"{E(tokens.RequestToken!)}\">";
        var action = "/validation/decisions/" + Uri.EscapeDataString(state.Token);
        var html = new StringBuilder();
        if (notice is not null)
        {
            html.Append("<p role=\"status\" class=\"").Append(status < 400 ? "notice" : "warning").Append("\">").Append(E(notice)).Append("</p>");
        }
        html.Append("<p>").Append(E(authority?.Name ?? "")).Append("</p>")
            .Append("<p><strong>").Append(E(ValidationTexts.StepLabel(step))).Append("</strong><br>")
            .Append(E($"Version {step.DossierVersion} du dossier{Nbsp}; {ValidationTexts.Rule(step)}.")).Append("</p>");
        if (ValidationTexts.Deadline(step) is { } deadline)
        {
            html.Append("<p>").Append(E($"Échéance{Nbsp}: {deadline}")).Append("</p>");
        }
        await AppendDossierAsync(html, step, state.Token, cancellationToken);

        var signedIn = signIn.SignedInAddress(http, step.StepId);
        html.Append("<h2>Qui êtes-vous" + Nbsp + "?</h2>");
        if (signedIn is not null)
        {
            html.Append("<p class=\"notice\">").Append(E($"Connecté(e) avec votre compte Microsoft{Nbsp}: {signedIn}.")).Append("</p>");
        }
        else
        {
            html.Append("<p>").Append(E($"Ce lien ne suffit pas pour décider{Nbsp}: il a pu être transféré. Prouvez qui vous êtes{Nbsp}; seules les personnes dont la décision est attendue à cette étape peuvent décider.")).Append("</p>");
            if (await signIn.SettingsAsync(step.AuthorityId, cancellationToken) is not null)
            {
                html.Append("<p><a href=\"").Append(E(action)).Append("/signin\">Connectez-vous avec votre compte Microsoft" + Nbsp + "365</a></p><p>Ou bien, recevez un code par courriel" + Nbsp + ":</p>");
            }
            html.Append("<form method=\"post\" action=\"").Append(E(action)).Append("/code\">").Append(hidden)
                .Append("<label>Adresse électronique <input type=\"email\" name=\"email\" autocomplete=\"email\" required value=\"").Append(E(values.Email ?? "")).Append("\"></label> ")
                .Append("<button type=\"submit\">Recevoir un code</button></form>");
        }

        var chosen = values.Decision ?? LinkDecision(state.Link);
        html.Append("<h2>Votre décision</h2>")
            .Append("<form method=\"post\" action=\"").Append(E(action)).Append("\">").Append(hidden);
        if (signedIn is not null)
        {
            html.Append("<input type=\"hidden\" name=\"proof\" value=\"").Append(ApproverSignIn.Proof).Append("\">");
        }
        else
        {
            html.Append("<label>Adresse électronique <input type=\"email\" name=\"email\" autocomplete=\"email\" required value=\"").Append(E(values.Email ?? "")).Append("\"></label><br>")
                .Append("<label>Code reçu par courriel <input name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" pattern=\"[0-9 ]{8,9}\" required></label>");
        }
        html.Append("<fieldset><legend>Décision</legend>")
            .Append(Radio("approve", "Je valide le dossier", chosen))
            .Append(Radio("reject", "Je refuse le dossier (il retourne au secrétariat)", chosen))
            .Append(Radio("delegate", "Je délègue ma décision", chosen))
            .Append("</fieldset>")
            .Append("<label>Motif du refus (obligatoire en cas de refus)<br><textarea name=\"comment\" rows=\"3\" cols=\"40\">").Append(E(values.Comment ?? "")).Append("</textarea></label><br>")
            .Append("<label>En cas de délégation, adresse de la personne qui décidera <input type=\"email\" name=\"delegateTo\" value=\"").Append(E(values.DelegateTo ?? "")).Append("\"></label><br>")
            .Append("<button type=\"submit\">Enregistrer ma décision</button></form>");
        http.Response.Headers.CacheControl = "no-store";
        return Results.Content(MemberPage.Layout($"Validation — {step.Title}", html.ToString()), "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    /// <summary>What the approver is asked to approve: the session's agenda and documents, or the mailing's documents.</summary>
    private async Task AppendDossierAsync(StringBuilder html, ValidationStepView step, string token, CancellationToken cancellationToken)
    {
        html.Append("<h2 id=\"dossier\">Dossier</h2>");
        List<(Guid Id, string Name, long Size)> documents = [];
        if (step.SessionId is { } sessionId && await sessions.GetAsync(sessionId, cancellationToken) is { } session)
        {
            html.Append("<p>").Append(E($"Séance du {French.DateAndTime(session.LocalStart)}, {session.Place}")).Append("</p><h3>Ordre du jour</h3><ol>");
            foreach (var item in session.Items)
            {
                html.Append("<li>").Append(E(item.Title)).Append("</li>");
            }
            html.Append("</ol>");
            documents = (await sessionDocuments.CurrentAsync(sessionId, cancellationToken)).Select(d => (d.Id, d.Name, d.Size)).ToList();
        }
        else if (step.MailingId is { } mailingId && await mailings.GetAsync(mailingId, cancellationToken) is { } mailing)
        {
            html.Append("<p>").Append(E(mailing.Message)).Append("</p>");
            documents = (await mailings.DocumentsAsync(mailingId, cancellationToken)).Select(d => (d.Id, d.Name, d.Size)).ToList();
        }
        html.Append("<h3>Documents</h3>");
        if (documents.Count == 0)
        {
            html.Append("<p>Aucun document n'est joint au dossier.</p>");
            return;
        }
        html.Append("<ul>");
        foreach (var (id, name, size) in documents)
        {
            html.Append("<li><a href=\"/validation/decisions/").Append(E(Uri.EscapeDataString(token))).Append("/documents/").Append(id).Append("\">")
                .Append(E(name)).Append("</a> (").Append(E(MemberPage.SizeText(size))).Append(")</li>");
        }
        html.Append("</ul>");
    }

    private static string Radio(string value, string label, string? chosen) =>
        $"<label><input type=\"radio\" name=\"decision\" value=\"{value}\"{(value == chosen ? " checked" : "")}> {E(label)}</label><br>";

    private static string? LinkDecision(ResolvedStepLink link) => link.Decision switch
    {
        LinkedDecision.Approve => "approve",
        LinkedDecision.Reject => "reject",
        _ => null,
    };

    private static string DecisionTitle(string decision) => decision switch
    {
        "approve" => "Dossier validé",
        "reject" => "Dossier refusé",
        _ => "Décision déléguée",
    };

    private static string Confirmation(ValidationStepView step, FormValues values)
    {
        var what = values.Decision switch
        {
            "approve" => "vous avez validé",
            "reject" => "vous avez refusé",
            _ => $"vous avez délégué à {values.DelegateTo} votre décision sur",
        };
        return $"<p>{E($"Votre décision est enregistrée{Nbsp}: {what} le dossier «{Nbsp}{step.Title}{Nbsp}» ({ValidationTexts.StepLabel(step)}, version {step.DossierVersion}).")}</p>"
            + "<p>Le secrétariat des assemblées en est informé. Vous pouvez fermer cette page.</p>";
    }

    private static IResult InvalidLink() => Message("Lien non valide",
        $"<p>Ce lien n'est pas ou plus valide{Nbsp}: il a expiré, ou il a été modifié. Utilisez le lien du dernier message reçu, ou contactez le secrétariat des assemblées.</p>",
        StatusCodes.Status404NotFound);

    private static IResult Closed(ValidationStepView step) => Message("Étape close",
        $"<p>{E($"La décision n'est plus attendue à cette étape ({ValidationTexts.StepLabel(step)} du dossier «{Nbsp}{step.Title}{Nbsp}»){Nbsp}: elle est close ou le circuit a été relancé.")}</p><p>Rien n'a été enregistré. Si un nouveau circuit vous concerne, vous recevrez un nouveau lien.</p>",
        StatusCodes.Status409Conflict);

    private static IResult FormExpired(string token) => Message("Formulaire expiré",
        $"<p>Ce formulaire a expiré ou ne vient pas de cette page{Nbsp}: rien n'a été enregistré. <a href=\"/validation/decisions/{E(Uri.EscapeDataString(token))}\">Rouvrez la page</a> et recommencez.</p>",
        StatusCodes.Status400BadRequest);

    private static IResult Message(string title, string body, int status) =>
        Results.Content(MemberPage.Layout(title, body), "text/html; charset=utf-8", Encoding.UTF8, status);

    private static bool IsAddress(string? text) =>
        !string.IsNullOrWhiteSpace(text) && MailAddress.TryCreate(text, out var parsed) && string.Equals(parsed.Address, text, StringComparison.OrdinalIgnoreCase);

    private static string? Blank(string text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string E(string value) => Html.Encode(value);
}

public static class ApproverDecisionEndpoints
{
    public static void MapApproverDecisionPages(this IEndpointRouteBuilder app)
    {
        // Anonymous on purpose: the approver has no API key; the signed link, then the code, stand in for it.
        // Antiforgery is checked inside (the form is read by hand), so the endpoint metadata does not ask for it twice.
        app.MapGet("/validation/decisions/{token}", (string token, HttpContext http, ApproverDecisionPages pages, CancellationToken ct) => pages.ShowAsync(token, http, ct))
            .ExcludeFromDescription().AllowAnonymous();
        app.MapPost("/validation/decisions/{token}/code", (string token, HttpContext http, ApproverDecisionPages pages, CancellationToken ct) => pages.RequestCodeAsync(token, http, ct))
            .ExcludeFromDescription().AllowAnonymous().DisableAntiforgery();
        app.MapPost("/validation/decisions/{token}", (string token, HttpContext http, ApproverDecisionPages pages, CancellationToken ct) => pages.DecideAsync(token, http, ct))
            .ExcludeFromDescription().AllowAnonymous().DisableAntiforgery();
        app.MapGet("/validation/decisions/{token}/documents/{documentId:guid}",
                (string token, Guid documentId, ApproverDecisionPages pages, CancellationToken ct) => pages.DocumentAsync(token, documentId, ct))
            .ExcludeFromDescription().AllowAnonymous();
        app.MapGet("/validation/decisions/{token}/signin", (string token, HttpContext http, ApproverDecisionPages pages, CancellationToken ct) => pages.SignInAsync(token, http, ct))
            .ExcludeFromDescription().AllowAnonymous();
        app.MapGet("/validation/signin-callback", (HttpContext http, ApproverDecisionPages pages, CancellationToken ct) => pages.SignedInAsync(http, ct))
            .ExcludeFromDescription().AllowAnonymous();
    }
}
