namespace IntegrationHub.Evidence.Ledger;

/// <summary>One entry of an authority's chain, as stored.</summary>
/// <param name="AuthorityId">The chain it belongs to.</param>
/// <param name="Seq">Position in the chain, from 1, without gaps.</param>
/// <param name="At">The instant recorded in the entry, UTC, millisecond precision.</param>
/// <param name="Type">One of <see cref="LedgerEntryTypes"/>.</param>
/// <param name="Subject">The identifiers the entry is about.</param>
/// <param name="Body">The canonical JSON (RFC 8785) of the entry without <c>hash</c>: exactly the hashed text.</param>
/// <param name="PrevHash">The previous entry's hash; 64 zeros for the first entry.</param>
/// <param name="Hash">Lowercase hex SHA-256 of the UTF-8 <paramref name="Body"/>.</param>
public sealed record LedgerEntry(
    Guid AuthorityId, long Seq, DateTimeOffset At, string Type, LedgerSubject Subject, string Body, string PrevHash, string Hash)
{
    /// <summary>The exported line: the canonical JSON of the entry <em>with</em> its <c>hash</c> member.</summary>
    public string ToLine() => LedgerLine.InsertHash(Body, Hash);
}

/// <summary>The last entry of an authority's chain.</summary>
/// <param name="AuthorityId">The chain.</param>
/// <param name="Seq">The last sequence number; 0 when the chain is empty.</param>
/// <param name="Hash">The last entry's hash; 64 zeros when the chain is empty.</param>
public sealed record LedgerHead(Guid AuthorityId, long Seq, string Hash);

/// <summary>An RFC 3161 time-stamp token over a chain head.</summary>
/// <param name="AuthorityId">The chain.</param>
/// <param name="Seq">The head sequence number the token covers (the whole prefix 1..Seq).</param>
/// <param name="HeadHash">That entry's hash, whose 32 bytes are the stamped digest.</param>
/// <param name="Token">The TimeStampToken, DER.</param>
/// <param name="TsaName">The time-stamping authority's display name.</param>
/// <param name="Qualified">Whether that authority is eIDAS-qualified.</param>
/// <param name="GeneratedAt">The time the token asserts (<c>genTime</c>).</param>
/// <param name="RecordedAt">When the hub stored it.</param>
public sealed record LedgerAnchor(
    Guid AuthorityId, long Seq, string HeadHash, byte[] Token, string TsaName, bool Qualified, DateTimeOffset GeneratedAt, DateTimeOffset RecordedAt);
