using System.Net.Http.Headers;
using System.Text;

namespace IntegrationHub.Connectors.Twilio;

/// <summary>One authority's Twilio settings, read and checked. <see cref="ToString"/> never shows the token.</summary>
internal sealed class TwilioAccount
{
    public TwilioAccount(string accountSid, string authToken, string? from, string? messagingServiceSid, Uri baseUrl)
    {
        AccountSid = accountSid;
        AuthToken = authToken;
        From = from;
        MessagingServiceSid = messagingServiceSid;
        BaseUrl = baseUrl;
    }

    public string AccountSid { get; }

    public string AuthToken { get; }

    public string? From { get; }

    public string? MessagingServiceSid { get; }

    public Uri BaseUrl { get; }

    public Uri AccountUrl => Api($"Accounts/{Uri.EscapeDataString(AccountSid)}.json");

    public Uri MessagesUrl => Api($"Accounts/{Uri.EscapeDataString(AccountSid)}/Messages.json");

    public AuthenticationHeaderValue Authorization =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{AccountSid}:{AuthToken}")));

    public override string ToString() =>
        $"Twilio account {AccountSid} at {BaseUrl}, from {From ?? "-"}, messaging service {MessagingServiceSid ?? "-"}, token ***";

    // baseUrl may carry a path (a proxy in front of Twilio): append to it rather than resolve against it.
    private Uri Api(string relative) => new($"{BaseUrl.AbsoluteUri.TrimEnd('/')}/2010-04-01/{relative}", UriKind.Absolute);
}
