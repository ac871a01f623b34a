using System.Globalization;
using System.Text.RegularExpressions;
using IntegrationHub.Legal;

namespace IntegrationHub.Sessions;

/// <summary>An agenda item as typed. In a change, <c>Id</c> names the existing item being reworded (see <see cref="SessionInput.ValidateItems"/>).</summary>
public sealed record AgendaItemRequest(string? Title, string? Rapporteur, string? ActesNature, string? ActesMatiere, Guid? Id = null);

public sealed record CreateSessionRequest(
    string? StartsAt, string? Place, bool? Urgent, string? UrgencyReason, int? DurationMinutes, List<AgendaItemRequest>? Items, bool? Hybrid = null);

public sealed record PatchSessionRequest(
    string? StartsAt, string? Place, bool? Urgent, string? UrgencyReason, int? DurationMinutes, List<AgendaItemRequest>? Items, bool? Hybrid = null);

public sealed record CancelSessionRequest(string? Reason);

/// <summary>Validation of what the secretariat types; every message says what to fix, in French.</summary>
public static partial class SessionInput
{
    public const int DefaultDurationMinutes = 180;

    /// <summary>LEGAL.md §1.3: in urgency the agenda opens with the assembly's vote on the urgency.</summary>
    public const string UrgencyVoteTitle = "Vote sur l'urgence";

    private static readonly string[] ActesNatures = ["DE", "AR", "AI", "CC", "BF", "AU"];

    public static bool TryParseLocal(string? value, out DateTime local)
    {
        local = default;
        return value is not null && DateTime.TryParseExact(
            value.Trim(), ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm"], CultureInfo.InvariantCulture, DateTimeStyles.None, out local);
    }

    public static void ValidateStart(string? startsAt, DateTimeOffset now, List<(string, string)> errors, out DateTime local, out DateTimeOffset instant)
    {
        instant = default;
        if (!TryParseLocal(startsAt, out local))
        {
            errors.Add(("startsAt", $"La date de la séance « {startsAt} » n'est pas au format AAAA-MM-JJTHH:MM (heure de Paris), par exemple 2026-03-26T18:30."));
            return;
        }
        if (local.Second != 0)
        {
            local = local.AddSeconds(-local.Second);
        }
        try
        {
            instant = ParisTime.ToInstant(local);
        }
        catch (ArgumentException ex)
        {
            errors.Add(("startsAt", ex.Message));
            return;
        }
        if (instant <= now)
        {
            errors.Add(("startsAt", "La date de la séance est déjà passée."));
        }
    }

    public static void ValidatePlace(string? place, List<(string, string)> errors)
    {
        if (string.IsNullOrWhiteSpace(place) || place.Trim().Length > 500)
        {
            // CGCT L2121-10: the place is part of the mandatory content of the convocation.
            errors.Add(("place", "Le lieu de la séance est obligatoire (500 caractères au plus)."));
        }
    }

    public static void ValidateUrgency(bool urgent, string? reason, List<(string, string)> errors)
    {
        if (urgent && string.IsNullOrWhiteSpace(reason))
        {
            // CGCT L2121-11/12: the mayor must justify the urgency and report on it at the opening.
            errors.Add(("urgencyReason", "Une séance convoquée en urgence doit indiquer le motif de l'urgence."));
        }
    }

    /// <summary>A hybrid session only where the law allows one (<see cref="RemoteSessions"/>).</summary>
    public static void ValidateHybrid(bool hybrid, AuthorityKind kind, List<(string, string)> errors)
    {
        if (hybrid && RemoteSessions.ArticleFor(kind) is null)
        {
            errors.Add(("hybrid", RemoteSessions.Refusal(kind)));
        }
    }

    public static void ValidateDuration(int? minutes, List<(string, string)> errors)
    {
        if (minutes is < 15 or > 1440)
        {
            errors.Add(("durationMinutes", "La durée prévue doit être comprise entre 15 minutes et 24 heures."));
        }
    }

    /// <summary>
    /// Validates the agenda. With <paramref name="existing"/> (a change), an item keeps the identity of the existing
    /// item whose id it names, or else of an existing item with the same title: it is the same question, maybe
    /// reworded. Any other item is a new question, with a new id (the caller checks its delay, LEGAL.md §2).
    /// </summary>
    public static List<AgendaItem> ValidateItems(List<AgendaItemRequest>? items, bool urgent, List<(string, string)> errors, IReadOnlyList<AgendaItem>? existing = null)
    {
        if (items is null || items.Count == 0)
        {
            // CGCT L2121-10: the convocation states the questions on the agenda; the council deliberates only on them.
            errors.Add(("items", "L'ordre du jour doit comporter au moins une question."));
            return [];
        }
        var result = new List<AgendaItem>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var title = item.Title?.Trim();
            if (string.IsNullOrEmpty(title) || title.Length > 1000)
            {
                errors.Add(($"items[{i}].title", $"La question n° {i + 1} doit avoir un intitulé (1 000 caractères au plus)."));
            }
            var nature = item.ActesNature?.Trim().ToUpperInvariant();
            if (!string.IsNullOrEmpty(nature) && !ActesNatures.Contains(nature))
            {
                errors.Add(($"items[{i}].actesNature", $"La nature ACTES « {item.ActesNature} » est inconnue (DE, AR, AI, CC, BF ou AU)."));
            }
            var matiere = item.ActesMatiere?.Trim();
            if (!string.IsNullOrEmpty(matiere) && !Matiere().IsMatch(matiere))
            {
                errors.Add(($"items[{i}].actesMatiere", $"La matière ACTES « {item.ActesMatiere} » doit s'écrire comme 7.1 ou 7.10 (jusqu'à 5 niveaux)."));
            }
            if (item.Rapporteur?.Trim().Length > 200)
            {
                errors.Add(($"items[{i}].rapporteur", "Le nom du rapporteur ne doit pas dépasser 200 caractères."));
            }
            result.Add(new AgendaItem
            {
                Id = Guid.CreateVersion7(),
                Title = title ?? "",
                Rapporteur = string.IsNullOrWhiteSpace(item.Rapporteur) ? null : item.Rapporteur.Trim(),
                ActesNature = string.IsNullOrEmpty(nature) ? null : nature,
                ActesMatiere = string.IsNullOrEmpty(matiere) ? null : matiere,
            });
        }
        if (urgent && !string.Equals(result[0].Title, UrgencyVoteTitle, StringComparison.OrdinalIgnoreCase))
        {
            result.Insert(0, new AgendaItem { Id = Guid.CreateVersion7(), Title = UrgencyVoteTitle });
        }
        if (existing is not null)
        {
            KeepIdentities(result, items.Select(i => i.Id).ToList(), existing);
        }
        for (var i = 0; i < result.Count; i++)
        {
            result[i].Position = i + 1;
        }
        return result;
    }

    private static void KeepIdentities(List<AgendaItem> result, List<Guid?> requestedIds, IReadOnlyList<AgendaItem> existing)
    {
        var unused = existing.ToList();
        var offset = result.Count - requestedIds.Count; // the urgency vote inserted in front has no request
        for (var i = 0; i < result.Count; i++)
        {
            var requested = i >= offset ? requestedIds[i - offset] : null;
            var same = unused.FirstOrDefault(e => e.Id == requested)
                ?? unused.FirstOrDefault(e => string.Equals(e.Title.Trim(), result[i].Title, StringComparison.OrdinalIgnoreCase));
            if (same is not null)
            {
                result[i].Id = same.Id;
                unused.Remove(same);
            }
        }
    }

    [GeneratedRegex(@"^[1-9][0-9]?(\.[0-9]{1,2}){0,4}$")]
    private static partial Regex Matiere();
}
