namespace IntegrationHub.Documents.Validation;

/// <summary>
/// The antivirus could not be reached, broke the connection or did not answer in time: the file was not analysed.
/// Transient; tell the sender <see cref="UploadRules.AntivirusUnavailable"/>.
/// </summary>
public sealed class VirusScannerUnavailableException : Exception
{
    public VirusScannerUnavailableException()
    {
    }

    public VirusScannerUnavailableException(string message)
        : base(message)
    {
    }

    public VirusScannerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The antivirus answered with an error for this file, typically that it is larger than it accepts
/// (<see cref="SizeLimitExceeded"/>; clamd's <c>StreamMaxLength</c>, 25 MB by default). The file was not analysed and
/// sending it again will not help.
/// </summary>
public sealed class VirusScanFailedException : Exception
{
    public VirusScanFailedException()
    {
    }

    public VirusScanFailedException(string message)
        : base(message)
    {
    }

    public VirusScanFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <param name="message">For the logs (English).</param>
    /// <param name="reply">The antivirus's own answer, as received.</param>
    /// <param name="sizeLimitExceeded">Whether the file is larger than the antivirus accepts.</param>
    public VirusScanFailedException(string message, string reply, bool sizeLimitExceeded)
        : base(message)
    {
        Reply = reply;
        SizeLimitExceeded = sizeLimitExceeded;
    }

    /// <summary>The antivirus's answer, as received.</summary>
    public string? Reply { get; }

    /// <summary>The file is larger than the antivirus accepts: tell the sender <see cref="UploadRules.TooLargeForAntivirus"/>.</summary>
    public bool SizeLimitExceeded { get; }
}
