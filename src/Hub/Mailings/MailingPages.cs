using System.Text;
using IntegrationHub.Authorities;
using IntegrationHub.Documents;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Convocations;
using IntegrationHub.Text;

namespace IntegrationHub.Mailings;

/// <summary>
/// What an élu reaches from the link of a mailing: its message and documents. The link is bound to one recipient of one
/// mailing (<see cref="MemberLinks.CreateMailingToken"/>). Showing the page records nothing (mail scanners follow
/// links); each download is recorded, the first one also as the first opening.
/// </summary>
public static class MailingPages
{
    public static void MapMailingPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/mailings/{token}", ShowAsync).ExcludeFromDescription();
        app.MapGet("/mailings/{token}/documents/{documentId:guid}", DownloadAsync).ExcludeFromDescription();
    }

    private static async Task<IResult> ShowAsync(
        string token, MemberLinks links, MailingStore mailings, AuthorityStore authorities, CancellationToken cancellationToken)
    {
        if (await RecipientAsync(token, links, mailings, cancellationToken) is not { } recipient)
        {
            return InvalidLink();
        }
        var mailing = (await mailings.GetAsync(recipient.MailingId, cancellationToken))!;
        var authority = (await authorities.GetAsync(mailing.AuthorityId, cancellationToken))!;
        var html = new StringBuilder();
        html.Append("<p>").Append(Html.Encode(authority.Name)).Append("</p>");
        if (!string.IsNullOrWhiteSpace(mailing.Message))
        {
            html.Append("<p>").Append(Html.Encode(mailing.Message).Replace("\n", "<br>", StringComparison.Ordinal)).Append("</p>");
        }
        html.Append("<h2>Documents</h2><ul>");
        foreach (var document in await mailings.DocumentsAsync(mailing.Id, cancellationToken))
        {
            html.Append("<li><a href=\"/mailings/").Append(Html.Encode(Uri.EscapeDataString(token))).Append("/documents/").Append(document.Id).Append("\">")
                .Append(Html.Encode(document.Name)).Append("</a> (").Append(Html.Encode(MemberPage.SizeText(document.Size))).Append(")</li>");
        }
        html.Append("</ul><p>Ce lien vous est personnel\u00A0; il est valable jusqu'au ")
            .Append(Html.Encode(French.LongDate(Legal.ParisTime.ToParisDate(mailing.LinksExpireAt!.Value)))).Append(".</p>");
        return Results.Content(MemberPage.Layout(mailing.Title, html.ToString()), "text/html; charset=utf-8");
    }

    private static async Task<IResult> DownloadAsync(
        string token, Guid documentId, MemberLinks links, MailingStore mailings, IDocumentStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var document = await mailings.GetDocumentAsync(documentId, cancellationToken);
        if (await RecipientAsync(token, links, mailings, cancellationToken) is not { } recipient || document?.MailingId != recipient.MailingId)
        {
            return InvalidLink();
        }
        var now = time.GetUtcNow();
        await mailings.RecordReadAsync(recipient, document.Id, DocumentAccess.Open, now);
        await mailings.RecordReadAsync(recipient, document.Id, DocumentAccess.Download, now);
        return MailingEndpoints.Content(document, store);
    }

    private static async Task<MailingRecipient?> RecipientAsync(string token, MemberLinks links, MailingStore mailings, CancellationToken cancellationToken) =>
        links.ResolveMailingToken(token) is { } recipientId ? await mailings.GetRecipientAsync(recipientId, cancellationToken) : null;

    private static IResult InvalidLink() => Results.Content(
        MemberPage.Layout("Lien non valide", "<p>Ce lien n'est plus valide" + French.Nbsp + ": il a expiré, ou il a été modifié. Contactez le secrétariat des assemblées.</p>"),
        "text/html; charset=utf-8", Encoding.UTF8, StatusCodes.Status404NotFound);
}
