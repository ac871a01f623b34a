namespace IntegrationHub.Connectors.Timestamping;

/// <summary>A time-stamping authority gave no token. The message is in English, for logs, and never holds a credential.</summary>
public abstract class TimestampAuthorityException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause, if any.</param>
    protected TimestampAuthorityException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>Whether asking again later may work (the TSA was unreachable, overloaded or failing).</summary>
    public abstract bool IsTransient { get; }
}

/// <summary>
/// The TSA could not answer now: connection refused, DNS failure, timeout, HTTP 408, 429 or 5xx, PKIStatus « waiting ».
/// Retry later.
/// </summary>
public sealed class TimestampAuthorityUnavailableException : TimestampAuthorityException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TimestampAuthorityUnavailableException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public TimestampAuthorityUnavailableException(string message) : base(message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TimestampAuthorityUnavailableException() : base("The time-stamping authority gave no token.", null)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}

/// <summary>
/// The TSA answered, but with no usable token: a rejection status, an HTTP 4xx (credentials refused…), bytes that are
/// no TimeStampResp, or a token not matching the request (nonce, digest, signature). Asking again will not help
/// until its configuration changes.
/// </summary>
public sealed class TimestampAuthorityRefusedException : TimestampAuthorityException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The cause, if any.</param>
    public TimestampAuthorityRefusedException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened.</param>
    public TimestampAuthorityRefusedException(string message) : base(message, null)
    {
    }

    /// <summary>Creates the exception.</summary>
    public TimestampAuthorityRefusedException() : base("The time-stamping authority gave no token.", null)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => false;
}
