using System.Text;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// Settings of the email channel, bound by the hub from the configuration section <see cref="SectionName"/>.
/// </summary>
public sealed class EmailOptions
{
    /// <summary>The configuration section the hub binds these settings from.</summary>
    public const string SectionName = "Hub:Connectors:Email";

    /// <summary>
    /// SMTP server host name. Null or empty: no SMTP server, messages are written as <c>.eml</c> files
    /// to <see cref="PickupDirectory"/>.
    /// </summary>
    public string? Host { get; set; }

    /// <summary>SMTP server port. Default 25 (587 is usual with <see cref="SmtpSecurity.StartTls"/>, 465 with <see cref="SmtpSecurity.SslOnConnect"/>).</summary>
    public int Port { get; set; } = 25;

    /// <summary>How the connection is secured. Default <see cref="SmtpSecurity.StartTlsWhenAvailable"/>.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTlsWhenAvailable;

    /// <summary>SMTP user name. The channel authenticates only when both it and <see cref="Password"/> are set.</summary>
    public string? UserName { get; set; }

    /// <summary>SMTP password (a secret: user-secrets, environment variable or the connector-settings store).</summary>
    public string? Password { get; set; }

    /// <summary>Sender address; also gives the domain of the generated <c>Message-ID</c>s. Required.</summary>
    public string? FromAddress { get; set; }

    /// <summary>Sender display name. Default « Secrétariat des assemblées ».</summary>
    public string FromName { get; set; } = "Secrétariat des assemblées";

    /// <summary>Folder receiving one <c>.eml</c> file per message when <see cref="Host"/> is empty; created if missing.</summary>
    public string? PickupDirectory { get; set; }

    /// <summary>Timeout of each SMTP operation (connect, command, data), in seconds. Default 30.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Most SMTP connections kept open at once; each concurrent send uses its own (MailKit's client is not
    /// thread-safe) and returns it for the next message. Default 4.
    /// </summary>
    public int MaxConnections { get; set; } = 4;

    /// <summary>
    /// DKIM signing domain (<c>d=</c>), normally the sender's domain or a parent of it. DKIM signing is on when it,
    /// <see cref="DkimSelector"/> and <see cref="DkimPrivateKeyPem"/> are all set.
    /// </summary>
    public string? DkimDomain { get; set; }

    /// <summary>DKIM selector (<c>s=</c>): the public key is published at <c>{selector}._domainkey.{domain}</c>.</summary>
    public string? DkimSelector { get; set; }

    /// <summary>DKIM RSA private key, PEM (PKCS#1 or PKCS#8). A secret.</summary>
    public string? DkimPrivateKeyPem { get; set; }

    internal bool SignsWithDkim =>
        !string.IsNullOrWhiteSpace(DkimDomain) && !string.IsNullOrWhiteSpace(DkimSelector) && !string.IsNullOrWhiteSpace(DkimPrivateKeyPem);

    internal bool UsesPickupDirectory => string.IsNullOrWhiteSpace(Host);

    /// <summary>Describes the settings with the password redacted.</summary>
    /// <returns>The settings, safe to log.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("EmailOptions { ");
        text.Append("Host = ").Append(Host ?? "(none)")
            .Append(", Port = ").Append(Port)
            .Append(", Security = ").Append(Security)
            .Append(", UserName = ").Append(UserName ?? "(none)")
            .Append(", Password = ").Append(string.IsNullOrEmpty(Password) ? "(none)" : "***")
            .Append(", FromAddress = ").Append(FromAddress ?? "(none)")
            .Append(", FromName = ").Append(FromName)
            .Append(", PickupDirectory = ").Append(PickupDirectory ?? "(none)")
            .Append(", TimeoutSeconds = ").Append(TimeoutSeconds)
            .Append(", MaxConnections = ").Append(MaxConnections)
            .Append(", DkimDomain = ").Append(DkimDomain ?? "(none)")
            .Append(", DkimSelector = ").Append(DkimSelector ?? "(none)")
            .Append(", DkimPrivateKeyPem = ").Append(string.IsNullOrEmpty(DkimPrivateKeyPem) ? "(none)" : "***")
            .Append(" }");
        return text.ToString();
    }
}

/// <summary>How the SMTP connection is secured (mirrors MailKit's <c>SecureSocketOptions</c>).</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text, no TLS (a relay on the same host or a trusted network only).</summary>
    None,

    /// <summary>STARTTLS is required: the send fails if the server does not offer it.</summary>
    StartTls,

    /// <summary>STARTTLS when the server offers it, plain text otherwise.</summary>
    StartTlsWhenAvailable,

    /// <summary>TLS from the first byte (usually port 465).</summary>
    SslOnConnect,
}
