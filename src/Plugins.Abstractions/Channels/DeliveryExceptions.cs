namespace IntegrationHub.Plugins.Channels;

/// <summary>
/// The message can never be delivered as it is (invalid address, recipient refused, settings rejected):
/// the hub records the failure and does not retry.
/// </summary>
public class PermanentDeliveryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PermanentDeliveryException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong, in English, without secrets.</param>
    public PermanentDeliveryException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong, in English, without secrets.</param>
    /// <param name="innerException">The provider's error.</param>
    public PermanentDeliveryException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>
    /// Whether the recipient's address itself was refused (a number that is not a mobile, an unknown mailbox): the hub
    /// flags the address for the secretariat instead of trying it again at the next session.
    /// </summary>
    public bool AddressRejected { get; init; }
}

/// <summary>
/// The provider could not take the message now (connection refused, timeout, throttling): the hub retries later.
/// </summary>
public class TransientDeliveryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransientDeliveryException() { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What went wrong, in English, without secrets.</param>
    public TransientDeliveryException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">What went wrong, in English, without secrets.</param>
    /// <param name="innerException">The provider's error.</param>
    public TransientDeliveryException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>How long the provider asked to wait before trying again, when it said so.</summary>
    public TimeSpan? RetryAfter { get; init; }
}
