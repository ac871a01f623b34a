using IntegrationHub.Plugins.Channels;

namespace IntegrationHub.Connectors.Email.Tests;

internal static class TestMessages
{
    public const string FromAddress = "convocations@mairie-exemple.fr";
    public const string RecipientName = "Hélène Dupré-Lefèvre";
    public const string RecipientEmail = "helene.dupre@exemple.fr";
    public const string Subject = "Convocation au conseil municipal du 1er décembre 2026 — séance ordinaire";
    public const string TextBody = "Madame la conseillère municipale, vous êtes convoquée à la séance du conseil. Ordre du jour : budget primitif, élection des délégués.";
    public const string HtmlBody = "<p>Madame la conseillère municipale, vous êtes convoquée. <strong>Ordre du jour :</strong> budget primitif, élection des délégués.</p>";
    public const string SessionUid = "seance-2026-12-01@mairie-exemple.fr";

    public static readonly DateTimeOffset Now = new(2026, 11, 20, 9, 30, 0, TimeSpan.Zero);

    public static CalendarInvitation Invitation(CalendarMethod method = CalendarMethod.Request, int sequence = 0) => new(
        Uid: SessionUid,
        Sequence: sequence,
        Method: method,
        Start: new DateTime(2026, 12, 1, 18, 30, 0, DateTimeKind.Unspecified),
        End: new DateTime(2026, 12, 1, 20, 30, 0, DateTimeKind.Unspecified),
        TimeZoneId: "Europe/Paris",
        Summary: "Conseil municipal — séance ordinaire",
        Location: "Salle des fêtes, Hôtel de ville, 1 place de l'Église",
        Description: "Ordre du jour : 1. Approbation du procès-verbal ; 2. Budget primitif ; 3. Élection des délégués.",
        OrganizerEmail: "secretariat@mairie-exemple.fr",
        OrganizerName: "Secrétariat général");

    public static OutboundMessage Convocation(
        string key = "convocation-2026-12-01-elu-7",
        Recipient? recipient = null,
        CalendarInvitation? calendar = null,
        MessageKind kind = MessageKind.Convocation) => new(
        IdempotencyKey: key,
        Kind: kind,
        Recipient: recipient ?? new Recipient(RecipientName, RecipientEmail),
        Subject: Subject,
        TextBody: TextBody,
        HtmlBody: HtmlBody,
        Calendar: calendar ?? Invitation());
}
