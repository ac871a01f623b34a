namespace IntegrationHub.Evidence.Bundle;

/// <summary>The names inside an evidence bundle: what the writer produces and the verifier (and VERIFY.md) expects.</summary>
public static class EvidenceBundleFiles
{
    public const string Manifest = "manifest.json";
    public const string Ledger = "ledger.jsonl";
    public const string Chain = "chain.jsonl";
    public const string ChainStart = "chain-start.json";
    public const string TimestampIndex = "timestamps/index.json";
    public const string TsaChain = "tsa/chain.pem";
    public const string TsaRoot = "tsa/root.pem";
    public const string TsaSigners = "tsa/tsa.pem";
    public const string Attestation = "attestation.html";
    public const string Guide = "VERIFY.md";

    /// <summary>The version of this layout, in <see cref="Manifest"/>.</summary>
    public const string Format = "preuves-convocation/1";

    public static string Token(long seq) => $"timestamps/{seq.ToString(System.Globalization.CultureInfo.InvariantCulture)}.tsr";
}

/// <summary><c>chain-start.json</c>: where <c>chain.jsonl</c> starts in the authority's chain.</summary>
/// <param name="Seq">The seq of its first line.</param>
/// <param name="Prev">That line's <c>prev</c> (the hash of the entry before, which the bundle does not hold).</param>
public sealed record EvidenceChainStart(long Seq, string Prev);

/// <summary>One line of <c>timestamps/index.json</c>.</summary>
public sealed record EvidenceTimestampIndexEntry(long Seq, string HeadHash, string File, string Tsa, bool Qualified, DateTimeOffset GeneratedAt);

/// <summary><c>manifest.json</c>: what the bundle is about, so the verifier can tell that <c>ledger.jsonl</c> is complete.</summary>
/// <param name="Format">Always <see cref="EvidenceBundleFiles.Format"/>.</param>
/// <param name="AuthorityId">The chain.</param>
/// <param name="SessionId">The session.</param>
/// <param name="MemberId">For a member's bundle, the member; null for the whole session.</param>
/// <param name="ExportedAt">When the hub wrote the bundle.</param>
/// <param name="Anchored">Whether the last entry of <c>ledger.jsonl</c> is covered by a time-stamp token.</param>
public sealed record EvidenceManifest(string Format, Guid AuthorityId, Guid SessionId, Guid? MemberId, DateTimeOffset ExportedAt, bool Anchored);
