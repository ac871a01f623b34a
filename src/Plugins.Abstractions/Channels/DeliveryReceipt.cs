namespace IntegrationHub.Plugins.Channels;

/// <summary>What the provider answered when it accepted a message.</summary>
/// <param name="ProviderMessageId">The provider's identifier of the message (SMTP Message-ID, Twilio SID, file name…).</param>
/// <param name="ProviderResponse">The provider's answer, verbatim where possible (for example the SMTP reply), kept as evidence.</param>
public sealed record DeliveryReceipt(string ProviderMessageId, string ProviderResponse);
