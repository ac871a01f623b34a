using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IntegrationHub.Evidence.Ledger;

/// <summary>What is wrong with the first broken entry of a chain.</summary>
public enum LedgerBreakKind
{
    /// <summary>Not JSON, or a required member (seq, prev, hash, authority) is missing or malformed.</summary>
    Malformed,

    /// <summary>Valid JSON, but not in RFC 8785 canonical form, so nobody else would compute the same hash.</summary>
    NotCanonical,

    /// <summary>The entry's content does not match its hash, or its <c>prev</c> does not match the entry before it (rewritten).</summary>
    Edited,

    /// <summary>Sequence numbers jump: entries are missing.</summary>
    Deleted,

    /// <summary>The missing entries appear later: the lines are out of order.</summary>
    Reordered,

    /// <summary>An entry already seen appears again.</summary>
    Duplicated,

    /// <summary>The lines end before the head or anchor they must reach.</summary>
    Truncated,

    /// <summary>The entry at an anchored (time-stamped) or head position has another hash than the anchor or head says.</summary>
    CheckpointMismatch,

    /// <summary>An entry of another authority's chain.</summary>
    ForeignChain,
}

/// <summary>The first broken entry.</summary>
/// <param name="Line">1-based line number in what was verified.</param>
/// <param name="Seq">The entry's seq, when it could be read.</param>
/// <param name="Kind">What is wrong.</param>
/// <param name="Reason">A sentence for people (English).</param>
public sealed record LedgerBreak(long Line, long? Seq, LedgerBreakKind Kind, string Reason);

/// <summary>A position the chain must reach with a known hash: the head, or an RFC 3161 anchor.</summary>
public sealed record LedgerCheckpoint(long Seq, string Hash);

/// <summary>The verdict.</summary>
/// <param name="Entries">Lines read.</param>
/// <param name="LastSeq">Seq of the last entry verified intact (0 when none).</param>
/// <param name="LastHash">Its hash.</param>
/// <param name="FirstBreak">Null when the chain is intact.</param>
public sealed record LedgerVerification(long Entries, long LastSeq, string LastHash, LedgerBreak? FirstBreak)
{
    public bool IsIntact => FirstBreak is null;
}

/// <summary>
/// Verifies exported ledger lines (canonical JSON with <c>hash</c>), in order, in one pass and bounded memory:
/// each line must be canonical, its hash the SHA-256 of the line without its <c>"hash":"…",</c> member, its
/// <c>prev</c> the hash of the line before, its seq the next one, and the chain must reach every checkpoint (head,
/// anchors) with the checkpoint's hash. Pure code, no database: the offline bundle verifier uses it as is.
/// </summary>
public sealed class LedgerChainVerifier : IDisposable
{
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly SortedList<long, string> _checkpoints = [];
    private readonly byte[] _lastHash = new byte[64];
    private readonly byte[] _computed = new byte[64];
    private byte[]? _authority;
    private bool _lastKnown;
    private long _expectedSeq;
    private long _lines;
    private long _lastSeq;
    private LedgerBreak? _break;
    private long _gapSeq = -1;

    /// <param name="firstSeq">The seq the first line must have (1 for a whole chain).</param>
    /// <param name="firstPrev">The <c>prev</c> the first line must have; null to accept the first line's own (a range taken from the middle of a chain).</param>
    /// <param name="checkpoints">Positions the lines must reach with the given hash (the head, anchors).</param>
    public LedgerChainVerifier(long firstSeq = 1, string? firstPrev = LedgerLine.GenesisHash, IEnumerable<LedgerCheckpoint>? checkpoints = null)
    {
        _expectedSeq = firstSeq;
        _lastSeq = firstSeq - 1;
        if (firstPrev is not null)
        {
            Encoding.ASCII.GetBytes(firstPrev.ToLowerInvariant(), _lastHash);
            _lastKnown = true;
        }
        foreach (var checkpoint in checkpoints ?? [])
        {
            _checkpoints[checkpoint.Seq] = checkpoint.Hash.ToLowerInvariant();
        }
    }

    /// <summary>Verifies lines, each one exported line without its line terminator.</summary>
    public static LedgerVerification Verify(IEnumerable<ReadOnlyMemory<byte>> lines, IEnumerable<LedgerCheckpoint>? checkpoints = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        using var verifier = new LedgerChainVerifier(checkpoints: checkpoints);
        foreach (var line in lines)
        {
            verifier.Add(line.Span);
        }
        return verifier.Complete();
    }

    /// <summary>Verifies the text of a <c>ledger.jsonl</c>: UTF-8, one line per entry, <c>\n</c> (or <c>\r\n</c>) separated.</summary>
    public static LedgerVerification VerifyJsonLines(ReadOnlyMemory<byte> jsonl, IEnumerable<LedgerCheckpoint>? checkpoints = null) =>
        Verify(SplitLines(jsonl), checkpoints);

    private static IEnumerable<ReadOnlyMemory<byte>> SplitLines(ReadOnlyMemory<byte> jsonl)
    {
        while (!jsonl.IsEmpty)
        {
            var newline = jsonl.Span.IndexOf((byte)'\n');
            var line = newline < 0 ? jsonl : jsonl[..newline];
            jsonl = newline < 0 ? ReadOnlyMemory<byte>.Empty : jsonl[(newline + 1)..];
            if (!line.IsEmpty && line.Span[^1] == (byte)'\r')
            {
                line = line[..^1];
            }
            yield return line;
        }
    }

    /// <summary>Adds the next line. Returns false once the chain is known broken (further lines only help name the break).</summary>
    public bool Add(ReadOnlySpan<byte> line)
    {
        _lines++;
        if (_break is not null)
        {
            LookAhead(line);
            return false;
        }
        var problem = LedgerLineReader.TryParse(line, out var parsed);
        if (problem is not null)
        {
            return Broken(parsed.Seq > 0 ? parsed.Seq : null,
                problem.StartsWith("not canonical", StringComparison.Ordinal) ? LedgerBreakKind.NotCanonical : LedgerBreakKind.Malformed, problem);
        }
        var seq = parsed.Seq;
        var hash = line[parsed.Hash];
        var prev = line[parsed.Prev];
        var authority = line[parsed.Authority];

        _sha256.AppendData(line[..parsed.HashStart]);
        _sha256.AppendData(line[parsed.HashEnd..]);
        Span<byte> digest = stackalloc byte[32];
        _sha256.GetHashAndReset(digest);
        ToLowerHex(digest, _computed);
        if (!hash.SequenceEqual(_computed))
        {
            return Broken(seq, LedgerBreakKind.Edited, $"entry {Format(seq)} was modified: its content does not match its hash");
        }
        if (_authority is null)
        {
            _authority = authority.ToArray();
        }
        else if (!authority.SequenceEqual(_authority))
        {
            return Broken(seq, LedgerBreakKind.ForeignChain, $"entry {Format(seq)} belongs to another authority's chain");
        }
        if (seq < _expectedSeq)
        {
            var what = seq == _lastSeq && hash.SequenceEqual(_lastHash) ? "the previous line repeated" : "it was already seen";
            return Broken(seq, LedgerBreakKind.Duplicated, $"entry {Format(seq)} appears again after entry {Format(_lastSeq)}: {what}");
        }
        if (seq > _expectedSeq)
        {
            // Deleted or reordered: told apart by whether the missing seq turns up in the lines that follow.
            _gapSeq = _expectedSeq;
            return Broken(seq, LedgerBreakKind.Deleted, $"entry {Format(_expectedSeq)} is missing: entry {Format(seq)} follows entry {Format(_lastSeq)}");
        }
        if (_lastKnown && !prev.SequenceEqual(_lastHash))
        {
            return Broken(seq, LedgerBreakKind.Edited,
                $"entry {Format(seq)} does not link to entry {Format(_lastSeq)}: its prev differs from that entry's hash (one of them was rewritten)");
        }
        if (_checkpoints.TryGetValue(seq, out var expected) && !hash.SequenceEqual(Encoding.ASCII.GetBytes(expected)))
        {
            return Broken(seq, LedgerBreakKind.CheckpointMismatch,
                $"entry {Format(seq)} has another hash than the anchored head {expected}: the chain was rewritten up to here");
        }
        hash.CopyTo(_lastHash);
        _lastKnown = true;
        _lastSeq = seq;
        _expectedSeq = seq + 1;
        return true;
    }

    /// <summary>The verdict for everything added.</summary>
    public LedgerVerification Complete()
    {
        if (_break is null && _checkpoints.Count > 0 && _checkpoints.Keys[^1] > _lastSeq)
        {
            var target = _checkpoints.Keys[^1];
            _break = new LedgerBreak(_lines + 1, _lastSeq + 1, LedgerBreakKind.Truncated,
                $"the lines end at entry {Format(_lastSeq)} but must reach entry {Format(target)} (head or anchor)");
        }
        return new LedgerVerification(_lines, _lastSeq, _lastKnown ? Encoding.ASCII.GetString(_lastHash) : "", _break);
    }

    private void LookAhead(ReadOnlySpan<byte> line)
    {
        if (_gapSeq < 0 || _break is not { Kind: LedgerBreakKind.Deleted } gap)
        {
            return;
        }
        if (LedgerLineReader.TryParse(line, out var parsed) is null && parsed.Seq == _gapSeq)
        {
            _break = gap with
            {
                Kind = LedgerBreakKind.Reordered,
                Reason = $"the lines are out of order: entry {Format(gap.Seq ?? 0)} comes before entry {Format(_gapSeq)}, which is at line {Format(_lines)}",
            };
            _gapSeq = -1;
        }
    }

    public void Dispose() => _sha256.Dispose();

    private bool Broken(long? seq, LedgerBreakKind kind, string reason)
    {
        _break = new LedgerBreak(_lines, seq, kind, $"line {Format(_lines)}: {reason}");
        return false;
    }

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static void ToLowerHex(ReadOnlySpan<byte> bytes, Span<byte> hex)
    {
        ReadOnlySpan<byte> digits = "0123456789abcdef"u8;
        for (var i = 0; i < bytes.Length; i++)
        {
            hex[2 * i] = digits[bytes[i] >> 4];
            hex[(2 * i) + 1] = digits[bytes[i] & 0xf];
        }
    }
}
