namespace IntegrationHub.Dispatch;

/// <summary>pending → sending → sent → delivered, or failed. "sending" is a claim held by one worker.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Sending = "sending";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    /// <summary>Not sent because it no longer applied (the session was cancelled before it went out).</summary>
    public const string Superseded = "superseded";
}

public static class DeliveryPurpose
{
    public const string Convocation = "convocation";
    public const string Update = "update";
    public const string Cancellation = "cancellation";

    /// <summary>A member who declined in their calendar is offered to give a proxy (email with their answer link).</summary>
    public const string ProxyOffer = "proxy-offer";

    /// <summary>Documents sent to élus outside a session (<see cref="Mailings.Mailing"/>).</summary>
    public const string Mailing = "mailing";
}

public static class ChannelNames
{
    public const string Email = "email";

    /// <summary>Printed letter posted by the secretariat; never sent by a job.</summary>
    public const string Paper = "paper";

    /// <summary>
    /// The session's event in the members' own calendars (Microsoft 365): one event per session, one delivery row per
    /// member carrying the event id and the member's response; sent by <see cref="Calendars.CalendarPublishJob"/>.
    /// </summary>
    public const string Calendar = "calendar";
}
