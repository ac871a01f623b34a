using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntegrationHub.Connectors.Timestamping;
using IntegrationHub.Evidence.Ledger;

namespace IntegrationHub.Evidence.Bundle;

/// <summary>The first thing wrong with a bundle.</summary>
/// <param name="File">The file of the bundle where it was found.</param>
/// <param name="Line">The 1-based line of that file, when it is a line.</param>
/// <param name="Seq">The entry's seq, when known.</param>
/// <param name="Type">The entry's type, when it could be read.</param>
/// <param name="Reason">What is wrong, in French.</param>
public sealed record EvidenceBundleFailure(string File, long? Line, long? Seq, string? Type, string Reason)
{
    public override string ToString()
    {
        var where = new List<string> { File };
        if (Line is { } line)
        {
            where.Add("ligne " + line.ToString(CultureInfo.InvariantCulture));
        }
        if (Seq is { } seq)
        {
            where.Add("entrée n° " + seq.ToString(CultureInfo.InvariantCulture));
        }
        if (Type is not null)
        {
            where.Add(Type);
        }
        return $"{string.Join(", ", where)}\u00A0: {Reason}";
    }
}

/// <summary>What <see cref="EvidenceBundleVerifier"/> found.</summary>
/// <param name="Usable">False when the file is not a readable evidence bundle (not a ZIP, a part missing).</param>
/// <param name="Failure">The first failure, or null when everything verifies.</param>
/// <param name="LedgerEntries">Lines of <c>ledger.jsonl</c> (when intact).</param>
/// <param name="ChainEntries">Lines of <c>chain.jsonl</c> (when intact).</param>
/// <param name="Tokens">Time-stamp tokens verified.</param>
/// <param name="Tsa">The name of the TSA of the last token, as the bundle declares it.</param>
/// <param name="Qualified">Whether the bundle declares that TSA qualified.</param>
/// <param name="LastStampedAt">The time the last token asserts.</param>
/// <param name="RootFingerprint">SHA-256 of the TSA root(s) the tokens were verified against.</param>
public sealed record EvidenceBundleReport(
    bool Usable,
    EvidenceBundleFailure? Failure,
    int LedgerEntries,
    long ChainEntries,
    int Tokens,
    string? Tsa,
    bool Qualified,
    DateTimeOffset? LastStampedAt,
    string? RootFingerprint)
{
    public bool IsIntact => Usable && Failure is null;

    /// <summary>The verdict for people, in French.</summary>
    public string Verdict()
    {
        if (!Usable)
        {
            return $"Fichier inutilisable\u00A0: {Failure?.Reason}";
        }
        if (Failure is not null)
        {
            return $"Preuves NON intègres\u00A0: {Failure}";
        }
        var tokens = Tokens == 1 ? "1 horodatage vérifié" : $"{Tokens.ToString(CultureInfo.InvariantCulture)} horodatages vérifiés";
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Preuves intègres\u00A0: {LedgerEntries} entrées, {tokens} (autorité\u00A0: {Tsa}, {(Qualified ? "qualifiée" : "non qualifiée")})");
        text.Append(CultureInfo.InvariantCulture, $"\nChaîne vérifiée\u00A0: {ChainEntries} entrées liées jusqu'à l'entrée horodatée");
        if (LastStampedAt is { } at)
        {
            text.Append(CultureInfo.InvariantCulture, $", horodatée le {at.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        }
        text.Append(CultureInfo.InvariantCulture, $"\nRacine d'horodatage (SHA-256)\u00A0: {RootFingerprint} — à comparer avec celle que publie l'autorité d'horodatage");
        return text.ToString();
    }
}

/// <summary>
/// Verifies an evidence bundle offline, with nothing but the bundle: every line hash and link of <c>chain.jsonl</c>
/// from <c>chain-start.json</c>; that <c>ledger.jsonl</c> is exactly the entries of the chain concerning the
/// session (or member) of <c>manifest.json</c>, byte for byte; every token against the root the bundle carries, over
/// the hash of the chain entry at its seq; and that the last entry of <c>ledger.jsonl</c> is covered by a token.
/// </summary>
public static class EvidenceBundleVerifier
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static EvidenceBundleReport Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using var file = File.OpenRead(path);
            return Verify(file);
        }
        catch (IOException ex)
        {
            return Unusable($"lecture impossible ({ex.Message})");
        }
        catch (UnauthorizedAccessException ex)
        {
            return Unusable($"lecture impossible ({ex.Message})");
        }
    }

    /// <summary>Verifies a bundle from a seekable stream.</summary>
    public static EvidenceBundleReport Verify(Stream bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        ZipArchive zip;
        try
        {
            zip = new ZipArchive(bundle, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException)
        {
            return Unusable("ce n'est pas une archive ZIP");
        }
        using (zip)
        {
            try
            {
                return Verify(zip);
            }
            catch (InvalidDataException ex)
            {
                return Unusable($"archive ZIP endommagée ({ex.Message})");
            }
        }
    }

    private static EvidenceBundleReport Verify(ZipArchive zip)
    {
        foreach (var required in new[]
                 {
                     EvidenceBundleFiles.Manifest, EvidenceBundleFiles.Ledger, EvidenceBundleFiles.Chain, EvidenceBundleFiles.ChainStart,
                     EvidenceBundleFiles.TimestampIndex, EvidenceBundleFiles.TsaChain,
                 })
        {
            if (zip.GetEntry(required) is null)
            {
                return Unusable($"ce n'est pas un dossier de preuves ({required} manque)");
            }
        }
        EvidenceManifest manifest;
        EvidenceChainStart start;
        List<EvidenceTimestampIndexEntry> index;
        try
        {
            manifest = ReadJson<EvidenceManifest>(zip, EvidenceBundleFiles.Manifest);
            start = ReadJson<EvidenceChainStart>(zip, EvidenceBundleFiles.ChainStart);
            index = ReadJson<List<EvidenceTimestampIndexEntry>>(zip, EvidenceBundleFiles.TimestampIndex);
        }
        catch (JsonException ex)
        {
            return Unusable($"fichier de description illisible ({ex.Message})");
        }
        if (manifest.Format != EvidenceBundleFiles.Format)
        {
            return Unusable($"format {manifest.Format} inconnu (attendu\u00A0: {EvidenceBundleFiles.Format})");
        }
        var certificates = TimestampCertificates.ReadPem(ReadText(zip, EvidenceBundleFiles.TsaChain));
        var roots = certificates.Where(EvidenceBundleWriter.IsSelfSigned).ToList();
        var others = certificates.Where(c => !EvidenceBundleWriter.IsSelfSigned(c)).ToList();

        // 1. ledger.jsonl: each line on its own (hash), in increasing seq order.
        var ledger = new List<(long Seq, string? Type, byte[] Line)>();
        var lineNumber = 0L;
        foreach (var line in ReadLines(zip, EvidenceBundleFiles.Ledger))
        {
            lineNumber++;
            var (seq, type) = Identify(line);
            using var single = new LedgerChainVerifier(seq ?? 1, firstPrev: null);
            single.Add(line);
            if (single.Complete().FirstBreak is { } broken)
            {
                return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, lineNumber, seq, type, French(broken)));
            }
            if (ledger.Count > 0 && seq <= ledger[^1].Seq)
            {
                return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, lineNumber, seq, type,
                    $"lignes dans le désordre ou répétées\u00A0: l'entrée n° {seq} vient après l'entrée n° {ledger[^1].Seq}"));
            }
            ledger.Add((seq!.Value, type, line));
        }
        if (ledger.Count == 0)
        {
            return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, null, null, null, "aucune entrée"));
        }

        // 2. chain.jsonl: hashes, links and anchors (LedgerChainVerifier), and ledger.jsonl is exactly its entries in scope.
        foreach (var anchor in index)
        {
            if (anchor.Seq < start.Seq)
            {
                return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.TimestampIndex, null, anchor.Seq, null,
                    $"le jeton porte sur une entrée antérieure au début de chain.jsonl (n° {start.Seq})"));
            }
        }
        using var chain = new LedgerChainVerifier(start.Seq, start.Prev, index.Select(a => new LedgerCheckpoint(a.Seq, a.HeadHash)));
        EvidenceBundleFailure? chainBreak = null;
        EvidenceBundleFailure? scopeFailure = null;
        var next = 0;
        var chainLines = 0L;
        foreach (var line in ReadLines(zip, EvidenceBundleFiles.Chain))
        {
            chainLines++;
            var (seq, type) = Identify(line);
            if (!chain.Add(line))
            {
                chainBreak ??= new EvidenceBundleFailure(EvidenceBundleFiles.Chain, chainLines, seq, type, "");
                continue;
            }
            if (scopeFailure is not null)
            {
                continue;
            }
            var inScope = InScope(line, manifest);
            if (next < ledger.Count && ledger[next].Seq == seq)
            {
                if (!ledger[next].Line.AsSpan().SequenceEqual(line))
                {
                    scopeFailure = new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, next + 1, seq, ledger[next].Type,
                        "la ligne diffère de l'entrée du même numéro dans chain.jsonl");
                }
                else if (!inScope)
                {
                    scopeFailure = new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, next + 1, seq, ledger[next].Type,
                        "cette entrée ne concerne pas la séance (ou l'élu) du dossier");
                }
                next++;
            }
            else if (next < ledger.Count && ledger[next].Seq < seq)
            {
                scopeFailure = new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, next + 1, ledger[next].Seq, ledger[next].Type,
                    "cette entrée ne figure pas dans chain.jsonl");
            }
            else if (inScope)
            {
                scopeFailure = new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, next + 1, seq, type,
                    "une entrée de la séance manque dans ledger.jsonl (supprimée)");
            }
        }
        var verification = chain.Complete();
        if (verification.FirstBreak is { } chainProblem)
        {
            var at = chainBreak is not null && chainProblem.Line == chainBreak.Line
                ? chainBreak
                : new EvidenceBundleFailure(EvidenceBundleFiles.Chain, chainProblem.Line, chainProblem.Seq, null, "");
            return Fail(at with { Reason = French(chainProblem) });
        }
        if (scopeFailure is not null)
        {
            return Fail(scopeFailure);
        }
        if (next < ledger.Count)
        {
            return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, next + 1, ledger[next].Seq, ledger[next].Type,
                "cette entrée ne figure pas dans chain.jsonl"));
        }

        // 3. Tokens: each over the hash of the chain entry at its seq (checked above as checkpoints), signed by a TSA
        // that chains to the root the bundle carries.
        DateTimeOffset? lastStamped = null;
        foreach (var anchor in index)
        {
            var entry = zip.GetEntry(anchor.File);
            if (entry is null)
            {
                return Fail(new EvidenceBundleFailure(anchor.File, null, anchor.Seq, null, "jeton d'horodatage absent"));
            }
            byte[] token;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                token = copy.ToArray();
            }
            byte[] digest;
            try
            {
                digest = Convert.FromHexString(anchor.HeadHash);
            }
            catch (FormatException)
            {
                return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.TimestampIndex, null, anchor.Seq, null, "empreinte illisible"));
            }
            var result = TimestampVerifier.Verify(token, digest, roots, others);
            if (!result.IsValid)
            {
                return Fail(new EvidenceBundleFailure(anchor.File, null, anchor.Seq, null, $"jeton d'horodatage invalide ({result.Problem})"));
            }
            lastStamped = result.GeneratedAt;
        }

        // 4. The last entry of the session is covered.
        var covered = index.Count == 0 ? 0 : index.Max(a => a.Seq);
        if (covered < ledger[^1].Seq)
        {
            return Fail(new EvidenceBundleFailure(EvidenceBundleFiles.Ledger, ledger.Count, ledger[^1].Seq, ledger[^1].Type,
                "les dernières entrées ne sont pas encore horodatées (aucun jeton ne couvre cette entrée)"));
        }
        var last = index.OrderBy(a => a.Seq).LastOrDefault();
        return new EvidenceBundleReport(true, null, ledger.Count, verification.Entries, index.Count, last?.Tsa, last?.Qualified ?? false, lastStamped,
            roots.Count == 0 ? "aucune" : string.Join(", ", roots.Select(r => Convert.ToHexString(r.GetCertHash(HashAlgorithmName.SHA256)))));
    }

    private static EvidenceBundleReport Fail(EvidenceBundleFailure failure) => new(true, failure, 0, 0, 0, null, false, null, null);

    private static EvidenceBundleReport Unusable(string reason) =>
        new(false, new EvidenceBundleFailure("", null, null, null, reason), 0, 0, 0, null, false, null, null);

    private static string French(LedgerBreak broken) => broken.Kind switch
    {
        LedgerBreakKind.Malformed => "ligne illisible ou incomplète",
        LedgerBreakKind.NotCanonical => "la ligne n'est pas du JSON canonique (RFC 8785)\u00A0: elle a été réécrite",
        LedgerBreakKind.Edited when broken.Reason.Contains("does not link", StringComparison.Ordinal) =>
            "l'entrée ne se rattache pas à la précédente (son « prev » diffère de l'empreinte de celle-ci)\u00A0: l'une des deux a été réécrite",
        LedgerBreakKind.Edited => "entrée modifiée\u00A0: son contenu ne correspond plus à son empreinte",
        LedgerBreakKind.Deleted => "des entrées manquent avant celle-ci (supprimées)",
        LedgerBreakKind.Reordered => "lignes dans le désordre",
        LedgerBreakKind.Duplicated => "entrée répétée",
        LedgerBreakKind.Truncated => "les lignes s'arrêtent avant l'entrée horodatée (fichier tronqué)",
        LedgerBreakKind.CheckpointMismatch => "l'empreinte de l'entrée diffère de celle que couvre le jeton d'horodatage",
        LedgerBreakKind.ForeignChain => "entrée de la chaîne d'une autre collectivité",
        _ => broken.Reason,
    } + $" [{broken.Reason}]";

    /// <summary>The seq and type of a line, as far as it can be read.</summary>
    private static (long? Seq, string? Type) Identify(ReadOnlySpan<byte> line)
    {
        try
        {
            var reader = new Utf8JsonReader(line);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            long? seq = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("seq", out var s) && s.TryGetInt64(out var n) ? n : null;
            string? type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            return (seq, type);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static bool InScope(ReadOnlySpan<byte> line, EvidenceManifest manifest)
    {
        var reader = new Utf8JsonReader(line);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (!root.TryGetProperty("subject", out var subject) || !Guid.TryParse(root.GetProperty("authority").GetString(), out var authority)
            || authority != manifest.AuthorityId)
        {
            return false;
        }
        var session = subject.TryGetProperty("session", out var s) && Guid.TryParse(s.GetString(), out var sid) ? sid : (Guid?)null;
        var member = subject.TryGetProperty("member", out var m) && Guid.TryParse(m.GetString(), out var mid) ? mid : (Guid?)null;
        return session == manifest.SessionId && (manifest.MemberId is null || member is null || member == manifest.MemberId);
    }

    private static T ReadJson<T>(ZipArchive zip, string name) =>
        JsonSerializer.Deserialize<T>(ReadText(zip, name), Json) ?? throw new JsonException($"{name} est vide.");

    private static string ReadText(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open(), new UTF8Encoding(false, throwOnInvalidBytes: true));
        return reader.ReadToEnd();
    }

    /// <summary>The lines of an entry (without <c>\n</c>), streamed; a final empty line is not a line.</summary>
    private static IEnumerable<byte[]> ReadLines(ZipArchive zip, string name)
    {
        using var stream = zip.GetEntry(name)!.Open();
        var buffer = new MemoryStream();
        var pending = new byte[64 * 1024];
        int read;
        while ((read = stream.Read(pending, 0, pending.Length)) > 0)
        {
            var from = 0;
            for (var i = 0; i < read; i++)
            {
                if (pending[i] == (byte)'\n')
                {
                    buffer.Write(pending, from, i - from);
                    yield return buffer.ToArray();
                    buffer.SetLength(0);
                    from = i + 1;
                }
            }
            buffer.Write(pending, from, read - from);
        }
        if (buffer.Length > 0)
        {
            yield return buffer.ToArray();
        }
    }
}
