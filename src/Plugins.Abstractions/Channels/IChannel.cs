namespace IntegrationHub.Plugins.Channels;

/// <summary>
/// A delivery channel: sends one outbound message and says what the provider answered.
/// </summary>
/// <remarks>
/// A channel never retries on its own: the hub owns retries. Failures are signalled by exception type:
/// <see cref="PermanentDeliveryException"/> (never retried: bad address, rejected recipient, invalid settings)
/// or <see cref="TransientDeliveryException"/> (retried with backoff: connection refused, timeout, 4xx SMTP reply,
/// HTTP 408/429/5xx). Any other exception is treated as transient. Cancellation is honoured until the provider
/// has accepted the message; after that the channel returns its receipt.
/// </remarks>
public interface IChannel
{
    /// <summary>The channel's kind, for example <c>email</c> or <c>sms</c>.</summary>
    string Kind { get; }

    /// <summary>Sends <paramref name="message"/> once.</summary>
    /// <param name="message">What to send and to whom, with its idempotency key.</param>
    /// <param name="cancellationToken">Cancels the send while the provider has not accepted the message.</param>
    /// <returns>The provider's receipt.</returns>
    Task<DeliveryReceipt> SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}
