using System.Text;

namespace IntegrationHub.Connectors.Email;

/// <summary>Settings of the IMAP mailbox that receives bounces (DSNs) and calendar answers.</summary>
public sealed class ImapMailboxOptions
{
    /// <summary>The folder processed messages are moved to. Default « Traités »; created when missing.</summary>
    public const string DefaultProcessedFolder = "Traités";

    /// <summary>IMAP server host name. Required.</summary>
    public string? Host { get; set; }

    /// <summary>IMAP server port; 0 (default) picks 993 for <see cref="ImapSecurity.SslOnConnect"/>, 143 otherwise.</summary>
    public int Port { get; set; }

    /// <summary>How the connection is secured. Default <see cref="ImapSecurity.StartTls"/>.</summary>
    public ImapSecurity Security { get; set; } = ImapSecurity.StartTls;

    /// <summary>IMAP user name. Required.</summary>
    public string? UserName { get; set; }

    /// <summary>IMAP password (a secret). Required.</summary>
    public string? Password { get; set; }

    /// <summary>The folder processed messages are moved to; created when missing.</summary>
    public string ProcessedFolder { get; set; } = DefaultProcessedFolder;

    /// <summary>Most messages read by one <see cref="ImapReplyMailbox.FetchAsync"/>, oldest first. Default 100.</summary>
    public int MaxMessagesPerFetch { get; set; } = 100;

    /// <summary>Timeout of each IMAP operation, in seconds. Default 30.</summary>
    public int TimeoutSeconds { get; set; } = 30;

    internal int EffectivePort => Port > 0 ? Port : Security == ImapSecurity.SslOnConnect ? 993 : 143;

    /// <summary>Describes the settings with the password redacted.</summary>
    /// <returns>The settings, safe to log.</returns>
    public override string ToString()
    {
        var text = new StringBuilder("ImapMailboxOptions { ");
        text.Append("Host = ").Append(Host ?? "(none)")
            .Append(", Port = ").Append(EffectivePort)
            .Append(", Security = ").Append(Security)
            .Append(", UserName = ").Append(UserName ?? "(none)")
            .Append(", Password = ").Append(string.IsNullOrEmpty(Password) ? "(none)" : "***")
            .Append(", ProcessedFolder = ").Append(ProcessedFolder)
            .Append(" }");
        return text.ToString();
    }
}

/// <summary>How the IMAP connection is secured.</summary>
public enum ImapSecurity
{
    /// <summary>Plain text, no TLS (a server on the same host or a trusted network only).</summary>
    None,

    /// <summary>STARTTLS is required (usually port 143).</summary>
    StartTls,

    /// <summary>TLS from the first byte (usually port 993).</summary>
    SslOnConnect,
}
