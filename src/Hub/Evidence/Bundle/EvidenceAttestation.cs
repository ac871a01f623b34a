using System.Globalization;
using System.Text;
using System.Text.Json;
using IntegrationHub.Convocations;
using IntegrationHub.Dispatch;
using IntegrationHub.Evidence.Ledger;
using IntegrationHub.Legal;
using IntegrationHub.Sessions;
using IntegrationHub.Text;

namespace IntegrationHub.Evidence.Bundle;

/// <summary>
/// <c>attestation.html</c>: the bundle read by people (a judge, the prefecture). Every per-member fact is taken from the
/// ledger entries of the bundle itself, so what it says can be checked against <c>ledger.jsonl</c>.
/// </summary>
public static class EvidenceAttestation
{
    public sealed record Input(
        string AuthorityName,
        string AssemblyName,
        Session Session,
        IReadOnlyList<LedgerEntry> Entries,
        Guid? MemberId,
        Func<Guid, string?> AttendanceOf,
        LedgerAnchor? Cover,
        string TsaName,
        bool TsaQualified,
        string? AnchoringProblem,
        DateTimeOffset ExportedAt);

    /// <summary>What the ledger says about one member.</summary>
    public sealed record MemberRow(
        Guid MemberId, string Name, string Channels, string Addresses, DateTimeOffset? SentAt, DateTimeOffset? DeliveredAt, DateTimeOffset? ReadAt, bool Timely);

    public static IReadOnlyList<MemberRow> Rows(IReadOnlyList<LedgerEntry> entries, DateOnly latestSendDate)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var rows = new List<MemberRow>();
        var parsed = entries.Select(e => (Entry: e, Data: JsonDocument.Parse(e.Body).RootElement.GetProperty("data"))).ToList();
        foreach (var (entry, data) in parsed.Where(p => p.Entry.Type == LedgerEntryTypes.ConvocationComposed && p.Entry.Subject.MemberId is not null))
        {
            var memberId = entry.Subject.MemberId!.Value;
            var mine = parsed.Where(p => p.Entry.Subject.MemberId == memberId).ToList();
            var sent = mine.Where(p => p.Entry.Type == LedgerEntryTypes.DeliverySent && Text(p.Data, "purpose") == DeliveryPurpose.Convocation).ToList();
            var sentAt = sent.Count == 0 ? (DateTimeOffset?)null : sent.Min(p => p.Entry.At);
            var delivered = mine.Where(p => p.Entry.Type == LedgerEntryTypes.DeliveryReported && Text(p.Data, "purpose") == DeliveryPurpose.Convocation
                    && p.Data.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.Object && Text(ev, "reportedStatus") == DeliveryStatus.Delivered)
                .Select(p => (DateTimeOffset?)p.Entry.At).FirstOrDefault();
            var read = mine.Where(p => p.Entry.Type is LedgerEntryTypes.DocumentOpened or LedgerEntryTypes.DocumentDownloaded)
                .Select(p => (DateTimeOffset?)p.Entry.At).FirstOrDefault();
            var channels = data.TryGetProperty("channels", out var c) && c.ValueKind == JsonValueKind.Array
                ? c.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
                : [];
            var addresses = sent.Select(p => p.Data.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.Object ? Text(ev, "address") : null)
                .Where(a => !string.IsNullOrEmpty(a)).Distinct(StringComparer.Ordinal).ToList();
            if (addresses.Count == 0)
            {
                addresses = new[] { Text(data, "email"), Text(data, "mobile") }.Where(a => !string.IsNullOrEmpty(a)).ToList()!;
            }
            rows.Add(new MemberRow(memberId, Text(data, "name") ?? memberId.ToString(), string.Join(", ", channels.Select(ChannelLabel)),
                string.Join(", ", addresses), sentAt, delivered, read, sentAt is { } at && ParisTime.ToParisDate(at) <= latestSendDate));
        }
        return rows;
    }

    public static string Render(Input input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var session = input.Session;
        var rows = Rows(input.Entries, session.LatestSendDate).Where(r => input.MemberId is null || r.MemberId == input.MemberId).ToList();
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .Append(E($"Attestation d'envoi des convocations — séance du {French.ShortDate(session.MeetingDate)}"))
            .Append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse;width:100%}")
            .Append("td,th{border:1px solid #999;padding:.3em .5em;text-align:left;vertical-align:top}.non{color:#a00;font-weight:bold}</style>\n</head>\n<body>\n");
        html.Append("<h1>Attestation d'envoi des convocations</h1>\n<dl>\n");
        Item(html, "Collectivité", input.AuthorityName);
        Item(html, "Assemblée", input.AssemblyName);
        Item(html, "Séance", $"{French.DateAndTime(session.LocalStart)} (heure de Paris)");
        Item(html, "Lieu", session.Place);
        if (session.Urgent)
        {
            Item(html, "Urgence", session.UrgencyReason ?? "oui");
        }
        Item(html, "Règle appliquée", $"{session.RuleSource} (version {session.RuleVersion})");
        Item(html, "Date limite d'envoi", French.LongDate(session.LatestSendDate));
        Item(html, "Dossier établi le", Paris(input.ExportedAt));
        html.Append("</dl>\n");

        html.Append("<h2>Convocations</h2>\n<table>\n<thead><tr><th>Élu</th><th>Canal(aux)</th><th>Adresse</th><th>Envoyé le</th><th>Remis le</th>")
            .Append("<th>Lu (première ouverture) le</th><th>Réponse</th><th>Dans les délais</th></tr></thead>\n<tbody>\n");
        foreach (var row in rows)
        {
            html.Append("<tr><td>").Append(E(row.Name)).Append("</td><td>").Append(E(row.Channels)).Append("</td><td>").Append(E(row.Addresses))
                .Append("</td><td>").Append(E(row.SentAt is { } s ? Paris(s) : "non envoyé"))
                .Append("</td><td>").Append(E(row.DeliveredAt is { } d ? Paris(d) : "—"))
                .Append("</td><td>").Append(E(row.ReadAt is { } r ? Paris(r) : "—"))
                .Append("</td><td>").Append(E(AnswerLabel(input.AttendanceOf(row.MemberId))))
                .Append("</td><td").Append(row.Timely ? ">oui" : " class=\"non\">non").Append("</td></tr>\n");
        }
        html.Append("</tbody>\n</table>\n");
        html.Append("<p>Une convocation est dans les délais lorsque la date d'envoi, à Paris, n'est pas postérieure à la date limite d'envoi.</p>\n");

        html.Append("<h2>Horodatage</h2>\n<dl>\n");
        Item(html, "Autorité d'horodatage", input.Cover?.TsaName ?? input.TsaName);
        var qualified = input.Cover?.Qualified ?? input.TsaQualified;
        Item(html, "Qualification", qualified ? "qualifiée (eIDAS)" : "non qualifiée");
        if (input.Cover is { } cover)
        {
            Item(html, "Entrée horodatée", $"n° {cover.Seq.ToString(CultureInfo.InvariantCulture)}");
            Item(html, "Empreinte couverte (SHA-256)", cover.HeadHash);
            Item(html, "Horodatée le", Paris(cover.GeneratedAt));
        }
        html.Append("</dl>\n");
        if (input.Cover is null)
        {
            html.Append("<p class=\"non\">")
                .Append(E("Les dernières entrées de ce dossier ne sont pas encore horodatées : l'autorité d'horodatage n'a pas répondu"
                    + (input.AnchoringProblem is null ? "" : $" ({input.AnchoringProblem})") + ". Exportez de nouveau le dossier plus tard."))
                .Append("</p>\n");
        }
        html.Append("<p>").Append(E(qualified
            ? "Ce jeton d'horodatage est émis par un prestataire de services de confiance qualifié : il bénéficie de la présomption d'exactitude de la date et de l'heure qu'il indique et d'intégrité des données auxquelles elles se rapportent (règlement (UE) n° 910/2014, dit eIDAS, art. 41 § 2 et 42)."
            : "Ce jeton d'horodatage n'est pas émis par un prestataire de services de confiance qualifié au sens du règlement (UE) n° 910/2014 (eIDAS). Il est recevable en justice (art. 41 § 1) et permet à chacun de vérifier que les entrées n'ont pas été modifiées depuis son émission, mais il ne bénéficie pas de la présomption d'exactitude de la date et de l'heure réservée à l'horodatage électronique qualifié (art. 41 § 2 et 42). Pour cette présomption, configurez une autorité d'horodatage qualifiée."))
            .Append("</p>\n");
        html.Append("<p>").Append(E("Chaque fait ci-dessus figure dans ledger.jsonl, chaîné et horodaté ; VERIFY.md explique comment le vérifier avec des outils standard (sha256sum, python3, openssl)."))
            .Append("</p>\n</body>\n</html>\n");
        return French.Typography(html.ToString());
    }

    private static void Item(StringBuilder html, string term, string value) =>
        html.Append("<dt>").Append(E(term)).Append(" :</dt><dd>").Append(E(value)).Append("</dd>\n");

    private static string E(string value) => Html.Encode(value);

    private static string Paris(DateTimeOffset instant) => French.DateAndTime(ParisTime.ToParisLocal(instant));

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string ChannelLabel(string channel) => channel switch
    {
        "email" => "courriel",
        "sms" => "SMS",
        "paper" => "courrier papier",
        _ => channel,
    };

    private static string AnswerLabel(string? attendance) => attendance switch
    {
        Attendance.Present => "présent",
        Attendance.Absent => "absent",
        Attendance.Proxy => "pouvoir donné",
        Attendance.Tentative => "incertain",
        null => "sans réponse",
        _ => attendance,
    };
}
