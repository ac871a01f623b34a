namespace IntegrationHub.Documents.Validation;

/// <summary>
/// Analyses an upload before it is stored. Implementations are thread-safe.
/// Failures are exceptions, never a verdict: <see cref="VirusScannerUnavailableException"/> when the antivirus could
/// not be reached or did not answer in time (transient: the sender may try again), <see cref="VirusScanFailedException"/>
/// when it answered that it could not analyse this file (retrying the same file will not help).
/// </summary>
public interface IVirusScanner
{
    /// <summary>Reads <paramref name="content"/> from its current position to its end and gives the verdict.</summary>
    /// <param name="content">Not disposed.</param>
    /// <param name="ct">Cancels the analysis.</param>
    Task<ScanResult> ScanAsync(Stream content, CancellationToken ct);
}

/// <summary>The antivirus verdict.</summary>
/// <param name="Clean">No threat found.</param>
/// <param name="Signature">The name of what was found (« Win.Test.EICAR_HDB-1 »); <see langword="null"/> when clean.</param>
public sealed record ScanResult(bool Clean, string? Signature);

/// <summary>For hubs without an antivirus: every file is declared clean, unread. Say so at startup.</summary>
public sealed class NoVirusScanner : IVirusScanner
{
    private static readonly Task<ScanResult> Clean = Task.FromResult(new ScanResult(true, null));

    public Task<ScanResult> ScanAsync(Stream content, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(content);
        ct.ThrowIfCancellationRequested();
        return Clean;
    }
}
