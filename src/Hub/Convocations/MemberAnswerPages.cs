using System.Text;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Members;
using IntegrationHub.Sessions;
using IntegrationHub.Text;

namespace IntegrationHub.Convocations;

/// <summary>
/// The page a member reaches from the link in their convocation. Reading it never changes anything (mail scanners
/// follow links); the answer is a POST from its form. The signed token is the member's only credential.
/// </summary>
public static class MemberAnswerPages
{
    public static void MapMemberAnswerPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/convocations/{token}", ShowAsync).ExcludeFromDescription();
        app.MapPost("/convocations/{token}/answer", AnswerAsync).ExcludeFromDescription().DisableAntiforgery();
    }

    private sealed record PageContext(Convocation Convocation, Session Session, Member Member, Authority Authority, Assembly Assembly, IReadOnlyList<Member> Colleagues)
    {
        public IReadOnlyList<Documents.SessionDocument> Documents { get; init; } = [];
    }

    private static async Task<PageContext?> LoadAsync(string token, MemberLinks links, ConvocationStore convocations, SessionStore sessions,
        MemberStore members, AuthorityStore authorities, AssemblyStore assemblies, SeatStore seats, CancellationToken cancellationToken)
    {
        if (links.ResolveAnswerToken(token) is not { } convocationId || await convocations.GetAsync(convocationId, cancellationToken) is not { } convocation)
        {
            return null;
        }
        var session = (await sessions.GetAsync(convocation.SessionId, cancellationToken))!;
        var member = (await members.GetAsync(convocation.MemberId, cancellationToken))!;
        var authority = (await authorities.GetAsync(convocation.AuthorityId, cancellationToken))!;
        var assembly = (await assemblies.GetAsync(session.AssemblyId, cancellationToken))!;
        var colleagues = (await seats.MembersInOfficeAsync(session.AssemblyId, session.MeetingDate, cancellationToken)).Where(m => m.Id != member.Id).ToList();
        return new PageContext(convocation, session, member, authority, assembly, colleagues);
    }

    private static async Task<IResult> ShowAsync(string token, MemberLinks links, ConvocationStore convocations, SessionStore sessions, MemberStore members,
        AuthorityStore authorities, AssemblyStore assemblies, SeatStore seats, AnswerStore answers, Documents.SessionDocumentStore documents,
        CancellationToken cancellationToken)
    {
        var context = await LoadAsync(token, links, convocations, sessions, members, authorities, assemblies, seats, cancellationToken);
        if (context is null)
        {
            return InvalidLink();
        }
        var current = await answers.ForSessionAsync(context.Session.Id, cancellationToken);
        return Page(context with { Documents = await documents.CurrentAsync(context.Session.Id, cancellationToken) }, token, current, notice: null);
    }

    private static async Task<IResult> AnswerAsync(string token, HttpRequest http, MemberLinks links, ConvocationStore convocations, SessionStore sessions,
        MemberStore members, AuthorityStore authorities, AssemblyStore assemblies, SeatStore seats, AnswerService service, AnswerStore answers,
        CancellationToken cancellationToken)
    {
        var context = await LoadAsync(token, links, convocations, sessions, members, authorities, assemblies, seats, cancellationToken);
        if (context is null)
        {
            return InvalidLink();
        }
        var form = await http.ReadFormAsync(cancellationToken);
        var attendance = form["attendance"].ToString();
        Guid? holder = Guid.TryParse(form["proxyHolderMemberId"], out var h) ? h : null;
        var illness = form["illnessCertified"] == "on";
        string notice;
        if (!Attendance.IsKnown(attendance))
        {
            notice = "Choisissez une réponse : présent, absent, ou pouvoir à un collègue.";
        }
        else
        {
            var outcome = await service.RecordAsync(context.Session, context.Convocation, attendance, holder, illness, "member-link", cancellationToken);
            notice = outcome switch
            {
                AnswerOutcome.Recorded { Warning: { } warning } => "Votre réponse est enregistrée. " + warning,
                AnswerOutcome.Recorded => "Votre réponse est enregistrée. Merci.",
                AnswerOutcome.Refused refused => refused.Message,
                AnswerOutcome.Conflict conflict => conflict.Message,
                _ => throw new InvalidOperationException(),
            };
        }
        var current = await answers.ForSessionAsync(context.Session.Id, cancellationToken);
        return Page(context, token, current, notice);
    }

    private static IResult InvalidLink() => Results.Content(
        MemberPage.Layout("Lien non valide", "<p>Ce lien n'est plus valide : il a expiré à la fin de la séance, ou il a été modifié. Utilisez le lien de votre dernière convocation, ou contactez le secrétariat des assemblées.</p>"),
        "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);

    private static IResult Page(PageContext context, string token, SessionAnswers answers, string? notice)
    {
        var current = answers.Of(context.Member.Id);
        var (session, authority, assembly) = (context.Session, context.Authority, context.Assembly);
        var html = new StringBuilder();
        if (notice is not null)
        {
            html.Append("<p role=\"status\" class=\"notice\">").Append(E(notice)).Append("</p>");
        }
        html.Append("<p>").Append(E($"{assembly.Name} — {authority.Name}")).Append("</p>")
            .Append("<p><strong>").Append(E(French.DateAndTime(session.LocalStart))).Append("</strong><br>").Append(E(session.Place)).Append("</p>");
        if (session.Status == SessionStatus.Cancelled)
        {
            html.Append("<p><strong>Cette séance est annulée.</strong> ").Append(E(session.CancellationReason ?? "")).Append("</p>");
        }
        html.Append("<h2>Ordre du jour</h2><ol>");
        foreach (var item in session.Items)
        {
            html.Append("<li>").Append(E(item.Title)).Append("</li>");
        }
        html.Append("</ol><h2 id=\"documents\">Documents</h2>");
        if (context.Documents.Count == 0)
        {
            html.Append("<p>Aucun document n'est encore joint à cette séance.</p>");
        }
        else
        {
            html.Append("<ul>");
            foreach (var document in context.Documents)
            {
                html.Append("<li><a href=\"/api/documents/").Append(document.Id).Append("/content?t=").Append(E(Uri.EscapeDataString(token))).Append("\">")
                    .Append(E(Documents.DocumentKinds.Label(document.Kind))).Append(" — ").Append(E(document.Name)).Append("</a> (")
                    .Append(E(MemberPage.SizeText(document.Size))).Append(")</li>");
            }
            html.Append("</ul>");
        }
        html.Append("<h2>Votre réponse</h2>");
        html.Append("<p>Réponse actuelle : ").Append(E(Describe(current, context.Colleagues))).Append("</p>");
        AppendProxyState(html, context, answers, current);
        if (session.Status != SessionStatus.Cancelled)
        {
            html.Append("<form method=\"post\" action=\"/convocations/").Append(E(Uri.EscapeDataString(token))).Append("/answer\">")
                .Append("<fieldset><legend>Serez-vous présent ?</legend>")
                .Append("<label><input type=\"radio\" name=\"attendance\" value=\"present\"> Je serai présent(e)</label><br>")
                .Append("<label><input type=\"radio\" name=\"attendance\" value=\"absent\"> Je serai absent(e)</label><br>")
                .Append("<label><input type=\"radio\" name=\"attendance\" value=\"proxy\"> Je serai absent(e) et je donne pouvoir à :</label> ")
                .Append("<select name=\"proxyHolderMemberId\" aria-label=\"Conseiller qui reçoit le pouvoir\"><option value=\"\">— choisir —</option>");
            foreach (var colleague in context.Colleagues)
            {
                html.Append("<option value=\"").Append(colleague.Id).Append("\">").Append(E(colleague.DisplayName)).Append("</option>");
            }
            html.Append("</select><br><label><input type=\"checkbox\" name=\"illnessCertified\"> Maladie dûment constatée (pouvoir au-delà de trois séances consécutives)</label>")
                .Append("</fieldset><button type=\"submit\">Envoyer ma réponse</button></form>");
        }
        return Results.Content(MemberPage.Layout($"Convocation — {assembly.Name}", html.ToString()), "text/html; charset=utf-8");
    }

    /// <summary>
    /// What the member should know about proxies (CGCT L2121-20, the holder must attend to vote for a colleague): the
    /// proxy they gave cannot be exercised, or the proxy they hold is lost while they are not coming.
    /// </summary>
    private static void AppendProxyState(StringBuilder html, PageContext context, SessionAnswers answers, Answer? current)
    {
        string Name(Guid? id) => context.Colleagues.FirstOrDefault(c => c.Id == id)?.DisplayName ?? "votre collègue";
        if (current is not null && answers.IsVoidProxy(current))
        {
            var holder = Name(current.ProxyHolderMemberId);
            html.Append("<p class=\"warning\" role=\"alert\">").Append(E(
                $"Votre pouvoir à {holder} ne pourra pas être exercé : {holder} a indiqué ne pas être présent(e) à la séance, ou porte déjà un autre pouvoir (CGCT, art. L2121-20). Donnez pouvoir à un autre collègue, ou indiquez que vous serez présent(e).")).Append("</p>");
        }
        if (answers.ProxyHeldBy(context.Member.Id) is { } held)
        {
            var principal = Name(held.MemberId);
            html.Append(current?.Attendance is Attendance.Absent or Attendance.Proxy
                ? "<p class=\"warning\" role=\"alert\">" + E($"Vous détenez le pouvoir de {principal}, mais vous avez indiqué ne pas être présent(e) : ce pouvoir ne pourra pas être exercé (CGCT, art. L2121-20). Prévenez {principal}, ou indiquez que vous serez présent(e).") + "</p>"
                : "<p>" + E($"Vous détenez le pouvoir de {principal} : vous voterez en son nom pendant la séance.") + "</p>");
        }
    }

    private static string Describe(Answer? answer, IReadOnlyList<Member> colleagues) => answer?.Attendance switch
    {
        Attendance.Present => "présent(e)",
        Attendance.Absent => "absent(e)",
        Attendance.Proxy => "pouvoir donné à " + (colleagues.FirstOrDefault(c => c.Id == answer.ProxyHolderMemberId)?.DisplayName ?? "un collègue"),
        _ => "pas encore de réponse",
    };

    private static string E(string value) => Html.Encode(value);
}
