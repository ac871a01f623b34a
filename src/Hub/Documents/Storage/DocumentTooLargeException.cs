using IntegrationHub.Documents.Validation;

namespace IntegrationHub.Documents.Storage;

/// <summary>
/// More bytes arrived than the size limit allows; the copy was stopped and nothing was kept. The message is French and
/// meant for the person who sent the file (see <see cref="UploadRules.TooLarge(long)"/>).
/// </summary>
public sealed class DocumentTooLargeException : Exception
{
    public DocumentTooLargeException()
        : base(UploadRules.TooLarge(limitBytes: 0))
    {
    }

    public DocumentTooLargeException(string message)
        : base(message)
    {
    }

    public DocumentTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public DocumentTooLargeException(long limitBytes)
        : base(UploadRules.TooLarge(limitBytes)) => LimitBytes = limitBytes;

    /// <summary>The limit that was exceeded, in bytes.</summary>
    public long LimitBytes { get; }
}
