using IntegrationHub.Api;
using IntegrationHub.Authorities;
using IntegrationHub.Documents.Storage;
using IntegrationHub.Documents.Validation;
using IntegrationHub.Hosting;
using Microsoft.Extensions.Options;

namespace IntegrationHub.Documents.Intake;

/// <summary>
/// The checks every incoming file goes through, whatever brought it (a multipart upload, a document source): the
/// authority's size limit while it is staged, a safe name, a signature matching an accepted type, the antivirus, then
/// the commit into the store. Nothing unchecked is committed; the caller disposes the <see cref="StagedBlob"/>.
/// </summary>
public sealed class DocumentIntake(
    AuthorityStore authorities, IDocumentStore store, IVirusScanner scanner, IOptions<HubOptions> options, ILogger<DocumentIntake> logger)
{
    // Enough for every signature FileSignatures knows, including the ZIP directory entries of office formats.
    private const int SignatureHeaderLength = 8192;

    /// <summary>The authority's own limit (<c>authorities.document_size_limit_mb</c>), else <c>Hub:Documents:MaxSizeMegabytes</c>.</summary>
    public async Task<long> SizeLimitBytesAsync(Guid authorityId, CancellationToken cancellationToken)
    {
        var limitMb = await authorities.DocumentSizeLimitMbAsync(authorityId, cancellationToken) ?? options.Value.Documents.MaxSizeMegabytes;
        return limitMb * 1024L * 1024L;
    }

    /// <summary>Copies <paramref name="content"/> aside in bounded memory, hashing it.</summary>
    /// <exception cref="DocumentTooLargeException">More than <paramref name="limitBytes"/>: answer with <see cref="TooLarge"/>.</exception>
    public Task<StagedBlob> StageAsync(Stream content, long limitBytes, CancellationToken cancellationToken) =>
        store.StageAsync(content, limitBytes, cancellationToken);

    /// <summary>The French answer to a file over the limit.</summary>
    public static IResult TooLarge(DocumentTooLargeException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Problems.Unprocessable("too-large", "Document trop volumineux", exception.Message);
    }

    /// <summary>
    /// Sanitises <paramref name="rawName"/> and detects the type from the staged bytes. Each refusal is added to
    /// <paramref name="errors"/> under <paramref name="field"/>; the name and the media type are null when refused.
    /// </summary>
    public async Task<(string? SafeName, string? MediaType)> CheckNameAndTypeAsync(
        StagedBlob staged, string? rawName, string field, ICollection<(string Field, string Message)> errors, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staged);
        ArgumentNullException.ThrowIfNull(errors);
        var safeName = FileNames.Sanitize(rawName, out var nameRefusal);
        if (safeName is null)
        {
            errors.Add((field, nameRefusal!));
            return (null, null);
        }
        await using var content = staged.OpenRead();
        var header = new byte[Math.Min(SignatureHeaderLength, staged.Size)];
        var read = await content.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken);
        var mediaType = FileSignatures.Detect(header.AsSpan(0, read), safeName, out var refusal);
        if (mediaType is null)
        {
            errors.Add((field, refusal ?? UploadRules.UnsupportedType(safeName)));
        }
        return (safeName, mediaType);
    }

    /// <summary>
    /// Runs the antivirus on the staged bytes: null when clean, else the French problem to answer with. The
    /// <paramref name="ownerId"/> (the session or mailing the file is for) is for the log, when the antivirus cannot be reached.
    /// </summary>
    public async Task<IResult?> ScanAsync(StagedBlob staged, string safeName, Guid ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staged);
        ScanResult scan;
        try
        {
            await using var content = staged.OpenRead();
            scan = await scanner.ScanAsync(content, cancellationToken);
        }
        catch (VirusScannerUnavailableException ex)
        {
            logger.LogWarning(ex, "Antivirus unavailable for an upload to {OwnerId}", ownerId);
            return Results.Problem(statusCode: 503, title: "Antivirus indisponible", detail: UploadRules.AntivirusUnavailable, type: Problems.TypeBase + "antivirus-unavailable");
        }
        catch (VirusScanFailedException ex)
        {
            // clamd answered ERROR: sending the same file again will not help when it is over clamd's stream limit.
            return Problems.Unprocessable("antivirus-refused", "Fichier non analysé",
                ex.SizeLimitExceeded ? UploadRules.TooLargeForAntivirus(safeName) : UploadRules.AntivirusUnavailable);
        }
        return scan.Clean ? null : Problems.Unprocessable("infected", "Fichier refusé par l'antivirus", UploadRules.Infected(safeName, scan.Signature ?? "?"));
    }

    /// <summary>Stores the checked bytes for good.</summary>
    public Task<StoredBlob> CommitAsync(StagedBlob staged, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(staged);
        return staged.CommitAsync(cancellationToken);
    }
}
