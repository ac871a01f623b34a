namespace IntegrationHub.Plugins.Timestamping;

/// <summary>An RFC 3161 time-stamping authority.</summary>
public interface ITimestampAuthority
{
    /// <summary>Whether the authority is qualified (eIDAS); the built-in one is not.</summary>
    bool IsQualified { get; }

    /// <summary>A name for people reading evidence, for example « Horodatage intégré (non qualifié) ».</summary>
    string DisplayName { get; }

    /// <summary>
    /// The certificates that let anyone verify this authority's tokens offline: the signing certificate up to and
    /// including its root, DER-encoded, signer first. Empty when the authority did not say (its tokens still carry the
    /// signing certificate).
    /// </summary>
    IReadOnlyList<ReadOnlyMemory<byte>> CertificateChain { get; }

    /// <summary>Obtains a time-stamp token over a SHA-256 digest.</summary>
    /// <param name="sha256">The 32-byte digest to stamp.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The token (DER) and the time it asserts.</returns>
    Task<TimestampToken> StampAsync(ReadOnlyMemory<byte> sha256, CancellationToken cancellationToken);
}

/// <summary>A time-stamp token.</summary>
/// <param name="Der">The RFC 3161 TimeStampToken, DER-encoded.</param>
/// <param name="GeneratedAt">The time the authority asserts.</param>
public sealed record TimestampToken(ReadOnlyMemory<byte> Der, DateTimeOffset GeneratedAt);
