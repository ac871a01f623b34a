using System.Globalization;

namespace IntegrationHub.Documents.Validation;

/// <summary>
/// The French texts that tell the person who sent a file why it was refused, in one place so the API and the UI say
/// the same thing. Plain spaces around « : » and inside « », like the other messages of the API.
/// </summary>
public static class UploadRules
{
    /// <summary>The upload was not analysed because the antivirus could not be reached or did not answer in time.</summary>
    public const string AntivirusUnavailable = "L'antivirus n'a pas pu analyser le fichier ; réessayez plus tard.";

    /// <summary>« PDF, Word (.docx), … » — the list shown when a type is refused.</summary>
    public static string AcceptedTypesText { get; } = string.Join(", ", FileSignatures.AcceptedTypes.Select(t => t.Label));

    /// <summary>« Le fichier « x » n'est pas d'un type accepté. Types acceptés : … ».</summary>
    public static string UnsupportedType(string fileName) =>
        $"Le fichier {Quote(fileName)} n'est pas d'un type accepté. Types acceptés : {AcceptedTypesText}.";

    /// <summary>« Le fichier « x » n'est pas un PDF valide : &lt;reason&gt;. »</summary>
    /// <param name="fileName">The (sanitized) name.</param>
    /// <param name="typeWithArticle">« un PDF », « un document Word », « une image PNG »…</param>
    /// <param name="reason">Why, starting lower case, without the final full stop.</param>
    public static string NotValid(string fileName, string typeWithArticle, string reason) =>
        $"Le fichier {Quote(fileName)} n'est pas {typeWithArticle} valide : {reason}.";

    /// <summary>« Le fichier dépasse la taille maximale autorisée (20 Mo). »; without the limit when it is not positive.</summary>
    public static string TooLarge(long limitBytes) =>
        limitBytes > 0
            ? $"Le fichier dépasse la taille maximale autorisée ({Megabytes(limitBytes)})."
            : "Le fichier dépasse la taille maximale autorisée.";

    /// <summary>« Le fichier « x » dépasse la taille maximale autorisée (20 Mo). »</summary>
    public static string TooLarge(string fileName, long limitBytes) =>
        $"Le fichier {Quote(fileName)} dépasse la taille maximale autorisée ({Megabytes(limitBytes)}).";

    /// <summary>« L'antivirus a détecté « signature » dans « x » : le fichier est refusé. »</summary>
    public static string Infected(string fileName, string? signature) =>
        $"L'antivirus a détecté {Quote(signature ?? "un contenu malveillant")} dans {Quote(fileName)} : le fichier est refusé.";

    /// <summary>The antivirus answered that the file is larger than it is configured to analyse (clamd's <c>StreamMaxLength</c>).</summary>
    public static string TooLargeForAntivirus(string fileName) =>
        $"Le fichier {Quote(fileName)} est trop volumineux pour être analysé par l'antivirus ; il est refusé. " +
        "Réduisez sa taille ou demandez à l'administrateur du hub de relever la limite d'analyse.";

    /// <summary>« 20 Mo », « 1,5 Mo » (1 Mo = 1 048 576 octets, as operating systems count).</summary>
    public static string Megabytes(long bytes)
    {
        var megabytes = bytes / (1024.0 * 1024.0);
        var number = megabytes.ToString(megabytes >= 10 ? "0.#" : "0.##", CultureInfo.InvariantCulture).Replace('.', ',');
        return number + " Mo";
    }

    internal static string Quote(string text) => $"« {text} »";
}
