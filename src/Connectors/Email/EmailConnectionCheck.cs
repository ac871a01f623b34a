using System.Globalization;
using System.Net.Sockets;
using IntegrationHub.Plugins.Connectors;
using MailKit.Net.Imap;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace IntegrationHub.Connectors.Email;

/// <summary>
/// The real connection checks behind <see cref="EmailConnectorType.TestAsync"/>, and what their failures mean in French
/// for the DSI. The caller's cancellation propagates; a failure the checks do not know propagates too.
/// </summary>
internal static class EmailConnectionCheck
{
    public static async Task<ConnectionCheck> CheckSmtpAsync(EmailOptions options, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(options.Host!, options.Port);
        var stage = "connexion";
        using var client = new SmtpClient { Timeout = checked(options.TimeoutSeconds * 1000) };
        try
        {
            await client.ConnectAsync(options.Host!, options.Port, SmtpConnectionPool.ToSecureSocketOptions(options.Security), cancellationToken);
            var offered = Offered(client, options.Security);
            var offersDsn = client.Capabilities.HasFlag(SmtpCapabilities.Dsn);
            var authenticated = false;
            if (options is { UserName: { Length: > 0 } userName, Password: { Length: > 0 } password })
            {
                stage = "authentification";
                if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
                {
                    return new ConnectionCheck(false,
                        $"Échec SMTP : {endpoint} ne propose pas d'authentification (AUTH) alors qu'un identifiant est configuré.");
                }

                await client.AuthenticateAsync(userName, password, cancellationToken);
                authenticated = true;
            }

            await client.DisconnectAsync(quit: true, cancellationToken);
            var detail = $"Connexion SMTP réussie : {string.Join(", ", offered.Prepend(options.Host!))}";
            if (authenticated)
            {
                detail += $" ; authentifié en tant que {options.UserName}";
            }

            if (!offersDsn)
            {
                detail += " ; le serveur ne propose pas DSN : les avis de non-remise seront rattachés par leur Message-ID seulement";
            }

            return new ConnectionCheck(true, detail);
        }
        catch (Exception exception) when (Describe(exception, endpoint, stage, options.Security == SmtpSecurity.StartTls ? "STARTTLS" : null, cancellationToken) is { } reason)
        {
            return new ConnectionCheck(false, "Échec SMTP : " + reason);
        }
    }

    public static async Task<ConnectionCheck> CheckImapAsync(ImapReplyMailbox mailbox, ImapMailboxOptions options, CancellationToken cancellationToken)
    {
        var endpoint = Endpoint(options.Host!, options.EffectivePort);
        try
        {
            var count = await mailbox.CheckAsync(cancellationToken);
            return new ConnectionCheck(true, string.Create(CultureInfo.InvariantCulture,
                $"connexion IMAP réussie : {options.Host}, INBOX ouverte ({count} message{(count > 1 ? "s" : string.Empty)})"));
        }
        catch (Exception exception) when (Describe(exception, endpoint, "connexion", options.Security == ImapSecurity.StartTls ? "STARTTLS" : null, cancellationToken) is { } reason)
        {
            return new ConnectionCheck(false, "échec IMAP : " + reason);
        }
    }

    /// <summary>Removes any secret a server might have echoed back; the checks themselves never put one in a detail.</summary>
    public static ConnectionCheck Redact(ConnectionCheck check, IEnumerable<string> secrets) =>
        check with { Detail = secrets.Where(s => s.Length > 0).Aggregate(check.Detail, (detail, secret) => detail.Replace(secret, "***", StringComparison.Ordinal)) };

    private static List<string> Offered(SmtpClient client, SmtpSecurity security)
    {
        var offered = new List<string>();
        if (security == SmtpSecurity.SslOnConnect)
        {
            offered.Add("TLS");
        }
        else if (client.IsSecure)
        {
            offered.Add("STARTTLS");
        }

        var capabilities = client.Capabilities;
        if (capabilities.HasFlag(SmtpCapabilities.Authentication))
        {
            offered.Add("AUTH");
        }

        if (capabilities.HasFlag(SmtpCapabilities.Dsn))
        {
            offered.Add("DSN");
        }

        if (capabilities.HasFlag(SmtpCapabilities.Size) && client.MaxSize > 0)
        {
            offered.Add(string.Create(CultureInfo.InvariantCulture, $"taille max. {client.MaxSize / (1024.0 * 1024.0):0.#} Mo"));
        }

        return offered;
    }

    private static string? Describe(Exception exception, string endpoint, string stage, string? requiredTls, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        SocketException { SocketErrorCode: SocketError.ConnectionRefused } => $"connexion refusée par {endpoint} (serveur arrêté ou port fermé).",
        SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain } =>
            $"serveur introuvable : {endpoint} (nom inconnu du DNS).",
        SocketException { SocketErrorCode: SocketError.TimedOut } or TimeoutException or OperationCanceledException =>
            $"pas de réponse de {endpoint} dans le délai imparti.",
        SocketException socket => $"erreur réseau vers {endpoint} ({socket.SocketErrorCode}).",
        AuthenticationException => $"identifiant ou mot de passe refusé par {endpoint}.",
        SslHandshakeException => $"la négociation TLS avec {endpoint} a échoué (certificat non reconnu ou protocole refusé).",
        NotSupportedException when stage == "connexion" && requiredTls is not null =>
            $"{endpoint} ne propose pas {requiredTls} alors que la sécurité « starttls » est demandée.",
        NotSupportedException => $"{endpoint} ne propose pas ce que les paramètres demandent ({stage}).",
        SmtpCommandException command => string.Create(CultureInfo.InvariantCulture, $"{endpoint} a répondu {(int)command.StatusCode} {command.Message} ({stage})."),
        ImapCommandException command => $"{endpoint} a répondu {command.Response} {command.ResponseText} ({stage}).",
        SmtpProtocolException or ImapProtocolException => $"réponse inattendue de {endpoint} ({stage}) : ce n'est peut-être pas le bon port ou la bonne sécurité.",
        IOException => $"connexion interrompue par {endpoint} ({stage}).",
        _ => null,
    };

    private static string Endpoint(string host, int port) => string.Create(CultureInfo.InvariantCulture, $"{host}:{port}");
}
