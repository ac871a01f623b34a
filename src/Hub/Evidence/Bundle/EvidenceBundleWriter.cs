using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using IntegrationHub.Assemblies;
using IntegrationHub.Authorities;
using IntegrationHub.Connectors.Timestamping;
using IntegrationHub.Convocations;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Evidence.Timestamping;
using IntegrationHub.Sessions;

namespace IntegrationHub.Evidence.Bundle;

/// <summary>Everything a bundle holds except the chain range, which is streamed from the database while the ZIP is written.</summary>
public sealed record EvidenceBundle(
    EvidenceManifest Manifest,
    string FileName,
    IReadOnlyList<LedgerEntry> Entries,
    EvidenceChainStart ChainStart,
    long ChainEnd,
    IReadOnlyList<LedgerAnchor> Anchors,
    IReadOnlyList<X509Certificate2> TsaCertificates,
    string? AnchoringProblem,
    string Attestation);

/// <summary>
/// Writes the evidence bundle of a session (or of one member convened to it): the session's ledger entries, the
/// contiguous range of the authority's chain that links them to an RFC 3161 anchor, the tokens, the TSA certificates,
/// a French attestation and VERIFY.md. The ZIP is streamed (the chain range page by page), never held in memory.
/// </summary>
public sealed class EvidenceBundleWriter(
    EvidenceLedger ledger,
    LedgerAnchoring anchoring,
    ITimestampAuthorityResolver resolver,
    AuthorityStore authorities,
    AssemblyStore assemblies,
    AnswerStore answers,
    TimeProvider time,
    ILogger<EvidenceBundleWriter> logger)
{
    private const int ChainPageSize = 2000;

    // Letters stay readable (« intégré », not « int\u00E9gr\u00E9 »): these files are for people too.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Create(System.Text.Unicode.UnicodeRanges.All),
    };

    /// <summary>
    /// Anchors the authority's head, then collects what the bundle needs. Null when there is nothing to export
    /// (the session was never sent, or the member has no entry of their own in it).
    /// </summary>
    public async Task<EvidenceBundle?> PrepareAsync(Session session, Guid? memberId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var all = await ledger.GetSessionEntriesAsync(session.Id, cancellationToken);
        var entries = all.Where(e => e.AuthorityId == session.AuthorityId && (memberId is null || e.Subject.MemberId is null || e.Subject.MemberId == memberId))
            .ToList();
        if (entries.Count == 0 || (memberId is not null && !entries.Any(e => e.Subject.MemberId == memberId)))
        {
            return null;
        }

        // Stamped after reading the entries, so the new anchor (or an existing one) covers all of them.
        string? anchoringProblem = null;
        try
        {
            await anchoring.AnchorAsync(session.AuthorityId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "Could not anchor the ledger of authority {AuthorityId} before exporting session {SessionId}; exporting anyway",
                session.AuthorityId, session.Id);
            anchoringProblem = ex.Message;
        }

        var first = entries[0];
        var last = entries[^1];
        var anchors = await ledger.GetAnchorsAsync(session.AuthorityId, cancellationToken);
        var cover = anchors.FirstOrDefault(a => a.Seq >= last.Seq);
        var chainEnd = cover?.Seq ?? last.Seq;
        var inRange = anchors.Where(a => a.Seq >= first.Seq && a.Seq <= chainEnd).ToList();

        var tsa = await resolver.ForAuthorityAsync(session.AuthorityId, cancellationToken);
        var certificates = CollectCertificates(tsa.CertificateChain, inRange);

        var authority = await authorities.GetAsync(session.AuthorityId, cancellationToken);
        var assembly = await assemblies.GetAsync(session.AssemblyId, cancellationToken);
        var current = await answers.ForSessionAsync(session.Id, cancellationToken);
        var exportedAt = time.GetUtcNow();
        var attestation = EvidenceAttestation.Render(new EvidenceAttestation.Input(
            authority?.Name ?? session.AuthorityId.ToString(), assembly?.Name ?? "", session, entries, memberId,
            id => current.Of(id)?.Attendance, cover, tsa.DisplayName, tsa.IsQualified, anchoringProblem, exportedAt));

        var manifest = new EvidenceManifest(EvidenceBundleFiles.Format, session.AuthorityId, session.Id, memberId, exportedAt, cover is not null);
        var fileName = $"preuves-seance-{session.MeetingDate:yyyy-MM-dd}{(memberId is null ? "" : "-elu-" + memberId.Value.ToString("N")[..8])}.zip";
        return new EvidenceBundle(manifest, fileName, entries, new EvidenceChainStart(first.Seq, first.PrevHash), chainEnd, inRange, certificates,
            anchoringProblem, attestation);
    }

    /// <summary>Writes the ZIP to <paramref name="output"/> (which need not be seekable: an HTTP response body).</summary>
    public async Task WriteAsync(EvidenceBundle bundle, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        await using var zip = await ZipArchive.CreateAsync(output, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8, cancellationToken);
        await WriteTextAsync(zip, EvidenceBundleFiles.Manifest, JsonSerializer.Serialize(bundle.Manifest, Json), cancellationToken);
        await WriteLinesAsync(zip, EvidenceBundleFiles.Ledger, ToAsync(bundle.Entries), cancellationToken);
        await WriteTextAsync(zip, EvidenceBundleFiles.ChainStart, JsonSerializer.Serialize(bundle.ChainStart, Json), cancellationToken);
        await WriteLinesAsync(zip, EvidenceBundleFiles.Chain, ReadChainAsync(bundle, cancellationToken), cancellationToken);

        var index = new List<EvidenceTimestampIndexEntry>();
        foreach (var anchor in bundle.Anchors)
        {
            var file = EvidenceBundleFiles.Token(anchor.Seq);
            var entry = zip.CreateEntry(file, CompressionLevel.Optimal);
            await using (var stream = await entry.OpenAsync(cancellationToken))
            {
                await stream.WriteAsync(anchor.Token, cancellationToken);
            }
            index.Add(new EvidenceTimestampIndexEntry(anchor.Seq, anchor.HeadHash, file, anchor.TsaName, anchor.Qualified, anchor.GeneratedAt));
        }
        await WriteTextAsync(zip, EvidenceBundleFiles.TimestampIndex, JsonSerializer.Serialize(index, Json), cancellationToken);

        await WriteTextAsync(zip, EvidenceBundleFiles.TsaChain, TimestampCertificates.ToPem(bundle.TsaCertificates), cancellationToken);
        await WriteTextAsync(zip, EvidenceBundleFiles.TsaRoot, TimestampCertificates.ToPem(bundle.TsaCertificates.Where(IsSelfSigned)), cancellationToken);
        await WriteTextAsync(zip, EvidenceBundleFiles.TsaSigners, TimestampCertificates.ToPem(bundle.TsaCertificates.Where(c => !IsSelfSigned(c))), cancellationToken);
        await WriteTextAsync(zip, EvidenceBundleFiles.Attestation, bundle.Attestation, cancellationToken);
        await WriteTextAsync(zip, EvidenceBundleFiles.Guide, EvidenceVerifyGuide.Render(bundle), cancellationToken);
    }

    internal static bool IsSelfSigned(X509Certificate2 certificate) => certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    private async IAsyncEnumerable<LedgerEntry> ReadChainAsync(EvidenceBundle bundle, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var from = bundle.ChainStart.Seq; from <= bundle.ChainEnd; from += ChainPageSize)
        {
            var page = await ledger.GetRangeAsync(bundle.Manifest.AuthorityId, from, Math.Min(bundle.ChainEnd, from + ChainPageSize - 1), cancellationToken);
            foreach (var entry in page)
            {
                yield return entry;
            }
        }
    }

    private static async IAsyncEnumerable<LedgerEntry> ToAsync(IEnumerable<LedgerEntry> entries)
    {
        foreach (var entry in entries)
        {
            yield return entry;
        }
        await Task.CompletedTask;
    }

    private static async Task WriteLinesAsync(ZipArchive zip, string name, IAsyncEnumerable<LedgerEntry> entries, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using var stream = await entry.OpenAsync(cancellationToken);
        await using var writer = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 64 * 1024) { NewLine = "\n" };
        await foreach (var line in entries.WithCancellation(cancellationToken))
        {
            await writer.WriteAsync(line.ToLine().AsMemory(), cancellationToken);
            await writer.WriteAsync("\n".AsMemory(), cancellationToken);
        }
        await writer.FlushAsync(cancellationToken);
    }

    private static async Task WriteTextAsync(ZipArchive zip, string name, string text, CancellationToken cancellationToken)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using var stream = await entry.OpenAsync(cancellationToken);
        await stream.WriteAsync(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text), cancellationToken);
    }

    /// <summary>The TSA's published chain, then every certificate the tokens carry; signers first, roots last, each once.</summary>
    private static List<X509Certificate2> CollectCertificates(IReadOnlyList<ReadOnlyMemory<byte>> published, IEnumerable<LedgerAnchor> anchors)
    {
        var all = new List<X509Certificate2>();
        foreach (var der in published)
        {
            all.Add(X509CertificateLoader.LoadCertificate(der.Span));
        }
        foreach (var anchor in anchors)
        {
            var cms = new SignedCms();
            try
            {
                cms.Decode(anchor.Token);
            }
            catch (CryptographicException)
            {
                continue; // stored tokens were checked when stamped; an unreadable one is the verifier's to report
            }
            all.AddRange(cms.Certificates);
        }
        return all.DistinctBy(c => c.Thumbprint, StringComparer.Ordinal).OrderBy(IsSelfSigned).ToList();
    }
}
