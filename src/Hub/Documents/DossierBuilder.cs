using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Dispatch;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Hosting;
using IntegrationHub.Sessions;
using IntegrationHub.Text;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Documents;

/// <summary>
/// The dossier de séance: one ZIP per session holding a table of contents, the convocation and agenda, and every
/// current document in dossier order. Built in the background, streamed from the store (never whole in memory), and
/// cached under a key that changes with the session's version and its set of documents.
/// </summary>
public sealed class DossierBuilder(
    SessionStore sessions,
    SessionDocumentStore documents,
    AuthorityStore authorities,
    AssemblyStore assemblies,
    IDocumentStore store,
    IOptions<HubOptions> options)
{
    public const string TableOfContentsName = "00-sommaire.html";
    public const string ConvocationName = "01-convocation.html";
    public const string AgendaName = "02-ordre-du-jour.txt";
    private const int FirstDocumentNumber = 3;

    public string Folder => Path.Combine(HubPaths.DataDirectory(options.Value), "dossiers");

    /// <summary>The cache file for the session as it is now.</summary>
    public async Task<string?> PathForAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken);
        if (session is null)
        {
            return null;
        }
        var current = await documents.CurrentAsync(sessionId, cancellationToken);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{session.Version}|{session.UpdatedAt:O}|{string.Join(",", current.Select(d => d.Id))}")))[..16];
        return Path.Combine(Folder, $"{sessionId:N}-{key}.zip");
    }

    /// <summary>Hangfire job: builds the dossier unless the current one exists already (idempotent).</summary>
    public async Task BuildAsync(Guid sessionId, CancellationToken cancellationToken)
    {
        var path = await PathForAsync(sessionId, cancellationToken);
        if (path is null || File.Exists(path))
        {
            return;
        }
        var session = (await sessions.GetAsync(sessionId, cancellationToken))!;
        var authority = (await authorities.GetAsync(session.AuthorityId, cancellationToken))!;
        var assembly = (await assemblies.GetAsync(session.AssemblyId, cancellationToken))!;
        var current = await documents.CurrentAsync(sessionId, cancellationToken);
        Directory.CreateDirectory(Folder);
        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
            {
                // Entries in reading order: table of contents, the convocation as the members received it, the agenda,
                // then the documents in dossier order.
                var names = current.Select((document, i) => $"{i + FirstDocumentNumber:00}-{document.Name}").ToList();
                await WriteTextAsync(zip, TableOfContentsName, TableOfContents(authority, assembly, session, current, names));
                await WriteTextAsync(zip, ConvocationName, ConvocationComposer.ComposeForDossier(authority, assembly, session).Html);
                await WriteTextAsync(zip, AgendaName, Agenda(authority, assembly, session));
                for (var i = 0; i < current.Count; i++)
                {
                    await using var content = store.OpenRead(current[i].Sha256)
                        ?? throw new InvalidOperationException($"Document {current[i].Id} has no content in the store.");
                    var entry = zip.CreateEntry(names[i], CompressionLevel.Fastest);
                    await using var target = entry.Open();
                    await content.CopyToAsync(target, cancellationToken);
                }
            }
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another worker built the same dossier first: theirs is identical.
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static async Task WriteTextAsync(ZipArchive zip, string name, string text)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using var stream = entry.Open();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    private static string Agenda(Authority authority, Assembly assembly, Session session)
    {
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{authority.Name} — {assembly.Name}")
            .AppendLine(CultureInfo.InvariantCulture, $"Séance du {French.DateAndTime(session.LocalStart)}, {session.Place}")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Ordre du jour{French.Nbsp}:");
        foreach (var item in session.Items)
        {
            var rapporteur = string.IsNullOrWhiteSpace(item.Rapporteur) ? "" : $" (rapporteur{French.Nbsp}: {item.Rapporteur})";
            text.AppendLine(CultureInfo.InvariantCulture, $"{item.Position}. {item.Title}{rapporteur}");
        }
        return text.ToString();
    }

    private static string TableOfContents(Authority authority, Assembly assembly, Session session, IReadOnlyList<SessionDocument> current, List<string> names)
    {
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Dossier de séance</title></head><body>")
            .Append("<h1>Dossier de séance — ").Append(Html.Encode(assembly.Name)).Append("</h1>")
            .Append("<p>").Append(Html.Encode(authority.Name)).Append("<br>").Append(Html.Encode(French.DateAndTime(session.LocalStart)))
            .Append("<br>").Append(Html.Encode(session.Place)).Append("</p>");
        if (session.Urgent)
        {
            html.Append("<p><strong>Séance convoquée en urgence.</strong> Motif : ").Append(Html.Encode(session.UrgencyReason ?? "")).Append("</p>");
        }
        html.Append("<h2>Ordre du jour</h2><ol>");
        foreach (var item in session.Items)
        {
            html.Append("<li>").Append(Html.Encode(item.Title));
            if (!string.IsNullOrWhiteSpace(item.Rapporteur))
            {
                html.Append(" (rapporteur : ").Append(Html.Encode(item.Rapporteur)).Append(')');
            }
            html.Append("</li>");
        }
        html.Append("</ol><h2>Sommaire</h2><ol>");
        foreach (var (name, label) in new[] { (ConvocationName, "Convocation"), (AgendaName, "Ordre du jour") })
        {
            html.Append("<li><a href=\"").Append(Html.Encode(Uri.EscapeDataString(name))).Append("\">").Append(Html.Encode(name)).Append("</a> — ")
                .Append(label).Append("</li>");
        }
        for (var i = 0; i < current.Count; i++)
        {
            var document = current[i];
            var item = session.Items.FirstOrDefault(it => it.Id == document.ItemId);
            html.Append("<li><a href=\"").Append(Html.Encode(Uri.EscapeDataString(names[i]))).Append("\">").Append(Html.Encode(names[i])).Append("</a> — ")
                .Append(Html.Encode(DocumentKinds.Label(document.Kind)))
                .Append(item is null ? "" : Html.Encode($", question n° {item.Position}"))
                .Append(" — SHA-256 ").Append(document.Sha256).Append("</li>");
        }
        return html.Append("</ol></body></html>").ToString();
    }
}
