using IntegrationHub.Authorities;
using IntegrationHub.Legal;

namespace IntegrationHub.Assemblies;

/// <summary>The convocation rule an assembly follows on a date: the legal rule, with the assembly's own overrides.</summary>
public static class AssemblyRule
{
    public static ConvocationRule Effective(ConvocationRuleCatalog catalog, Authority authority, Assembly assembly, DateOnly onDate)
    {
        var legal = catalog.Derive(authority.Kind, authority.Population, assembly.KindValue, onDate);
        if (!assembly.IsOverridden)
        {
            return legal;
        }
        return legal with
        {
            NoticeDays = assembly.NoticeDays ?? legal.NoticeDays,
            UrgentNoticeDays = assembly.UrgentNoticeDays ?? legal.UrgentNoticeDays,
            ClearDays = assembly.ClearDays ?? legal.ClearDays,
            SynthesisNoteRequired = assembly.SynthesisNoteRequired ?? legal.SynthesisNoteRequired,
            Source = $"Délais fixés pour l'assemblée (règlement intérieur), dans le respect de : {legal.Source}",
            Version = legal.Version + "+assembly-override",
        };
    }

    /// <summary>
    /// An override may lengthen a statutory delay, never shorten it: for a council the law's delay is a minimum
    /// (CGCT L2121-11, L2121-12, L3121-19, L4132-18), and urgency never goes below one jour franc.
    /// </summary>
    public static IEnumerable<(string Field, string Message)> ValidateOverrides(
        ConvocationRule legal, AssemblyKind kind, int? noticeDays, int? urgentNoticeDays, bool? synthesisNoteRequired, bool? clearDays = null)
    {
        if (kind == AssemblyKind.Council && legal.ClearDays && clearDays == false)
        {
            yield return ("clearDays", $"Le délai de cette assemblée se compte en jours francs ({legal.Source}) : il ne peut pas être compté en jours simples.");
        }
        if (noticeDays is < 0 or > 60)
        {
            yield return ("noticeDays", "Le délai de convocation doit être compris entre 0 et 60 jours.");
        }
        else if (kind == AssemblyKind.Council && noticeDays < legal.NoticeDays)
        {
            yield return ("noticeDays", $"Le délai de convocation de cette assemblée ne peut pas être inférieur au délai légal de {legal.NoticeDays} {(legal.ClearDays ? "jours francs" : "jours")} ({legal.Source}).");
        }
        if (urgentNoticeDays is < 0 or > 60)
        {
            yield return ("urgentNoticeDays", "Le délai d'urgence doit être compris entre 0 et 60 jours.");
        }
        else if (kind == AssemblyKind.Council && urgentNoticeDays < legal.UrgentNoticeDays)
        {
            yield return ("urgentNoticeDays", $"En cas d'urgence, le délai ne peut pas être inférieur à {legal.UrgentNoticeDays} jour franc ({legal.Source}).");
        }
        if (urgentNoticeDays is not null && noticeDays is not null && urgentNoticeDays > noticeDays)
        {
            yield return ("urgentNoticeDays", "Le délai d'urgence ne peut pas dépasser le délai ordinaire.");
        }
        if (kind == AssemblyKind.Council && legal.SynthesisNoteRequired && synthesisNoteRequired == false)
        {
            yield return ("synthesisNoteRequired", $"La note explicative de synthèse est obligatoire pour cette assemblée ({legal.Source}).");
        }
    }
}
