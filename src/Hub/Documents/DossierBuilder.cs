using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
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
                var names = new List<string>();
                var index = 1;
                foreach (var document in current)
                {
                    var entryName = $"{index:00}-{document.Name}";
                    names.Add(entryName);
                    await using var content = store.OpenRead(document.Sha256)
                        ?? throw new InvalidOperationException($"Document {document.Id} has no content in the store.");
                    var entry = zip.CreateEntry(entryName, CompressionLevel.Fastest);
                    await using var target = entry.Open();
                    await content.CopyToAsync(target, cancellationToken);
                    index++;
                }
                await WriteTextAsync(zip, "00-sommaire.html", TableOfContents(authority, assembly, session, current, names));
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
        html.Append("</ol><h2>Sommaire des documents</h2><ol>");
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
