using System.Globalization;
using System.Text;

namespace IntegrationHub.Evidence.Bundle;

/// <summary><c>VERIFY.md</c>: how to check a bundle with standard tools only (sha256sum, python3, openssl), with this bundle's own commands.</summary>
public static class EvidenceVerifyGuide
{
    public static string Render(EvidenceBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var first = bundle.ChainStart.Seq.ToString(CultureInfo.InvariantCulture);
        var last = bundle.ChainEnd.ToString(CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.Append(
            CultureInfo.InvariantCulture,
            $$"""
            # Vérifier ce dossier de preuves

            Ce dossier se vérifie sans le logiciel du hub, avec `sha256sum`, `sed`, `grep`, `python3` et `openssl`.
            Décompressez-le d'abord : `unzip {{bundle.FileName}} -d preuves && cd preuves`.

            ## Contenu

            | Fichier | Rôle |
            |---|---|
            | `ledger.jsonl` | les entrées du registre de preuves concernant la séance{{(bundle.Manifest.MemberId is null ? "" : " (entrées de la séance et de l'élu " + bundle.Manifest.MemberId + ")")}}, dans l'ordre, une par ligne |
            | `chain.jsonl` | la portion continue de la chaîne de la collectivité, de l'entrée n° {{first}} à l'entrée n° {{last}} |
            | `chain-start.json` | le numéro de la première ligne de `chain.jsonl` et son `prev` (empreinte de l'entrée précédente) |
            | `timestamps/<seq>.tsr` | les jetons d'horodatage RFC 3161 (DER) sur l'empreinte de l'entrée `<seq>` ; `timestamps/index.json` les décrit |
            | `tsa/chain.pem` | les certificats de l'autorité d'horodatage (signataire d'abord, racine en dernier) ; `tsa/root.pem` la racine, `tsa/tsa.pem` le reste |
            | `attestation.html` | le résumé lisible, par élu |
            | `manifest.json` | la collectivité, la séance (et l'élu) concernés |

            `chain.jsonl` peut contenir des entrées d'autres séances de la même collectivité : la chaîne est une seule
            suite par collectivité, et elle ne peut pas être vérifiée sans elles. Elles ne sont pas reprises dans
            `ledger.jsonl`.

            ## 1. L'empreinte de chaque ligne

            Chaque ligne est le JSON canonique (RFC 8785) de l'entrée avec son membre `hash`. L'empreinte est le
            SHA-256 de la ligne en UTF-8 **sans** le membre `,"hash":"…"` (le dernier de la ligne, placé entre `data`
            et `prev`). Le membre `prev` de chaque ligne doit être l'empreinte de la ligne précédente ; celui de la
            première ligne est dans `chain-start.json`.

            En Python (aucun module à installer) :

            ```python
            import hashlib, json
            prev = json.load(open("chain-start.json"))["prev"]
            for line in open("chain.jsonl", "rb"):
                line = line.rstrip(b"\n"); i = line.rindex(b',"hash":"')
                body, h = line[:i] + line[i + 74:], line[i + 9:i + 73].decode()
                entry = json.loads(line)
                ok = hashlib.sha256(body).hexdigest() == h and entry["prev"] == prev
                print(entry["seq"], entry["type"], "OK" if ok else "ERREUR"); prev = h
                if not ok: raise SystemExit(1)
            ```

            En shell, sans jq (`LC_ALL=C` pour que `sed` traite les octets tels quels) :

            ```sh
            export LC_ALL=C; prev=$(sed -nE 's/.*"prev": *"([0-9a-f]{64})".*/\1/p' chain-start.json)
            while IFS= read -r line; do
              h=$(printf '%s' "$line" | sed -E 's/.*,"hash":"([0-9a-f]{64})".*/\1/')
              c=$(printf '%s' "$line" | sed -E 's/(.*),"hash":"[0-9a-f]{64}"/\1/' | sha256sum | cut -d' ' -f1)
              p=$(printf '%s' "$line" | sed -E 's/.*,"prev":"([0-9a-f]{64})","seq":.*/\1/')
              [ "$h" = "$c" ] && [ "$p" = "$prev" ] && echo "OK $h" || { echo "ERREUR : $line"; break; }
              prev=$h
            done < chain.jsonl
            ```

            ## 2. Les entrées de la séance sont dans la chaîne

            Chaque ligne de `ledger.jsonl` doit figurer telle quelle dans `chain.jsonl`. Cette commande n'affiche
            rien quand c'est le cas :

            ```sh
            grep -Fxv -f chain.jsonl ledger.jsonl
            ```

            ## 3. Les jetons d'horodatage

            Un jeton porte sur les 32 octets de l'empreinte (`hash`) d'une entrée : il prouve que cette entrée, et par
            les liens `prev` toutes celles qui la précèdent, existaient à la date qu'il indique. Vérifiez d'abord que
            l'empreinte indiquée dans `timestamps/index.json` est bien celle de la ligne du même numéro dans
            `chain.jsonl`, puis le jeton lui-même :

            """);
        md.Append("```sh\n");
        foreach (var anchor in bundle.Anchors)
        {
            var seq = anchor.Seq.ToString(CultureInfo.InvariantCulture);
            md.Append("grep -c '\"hash\":\"").Append(anchor.HeadHash).Append("\",\"prev\":\"[0-9a-f]*\",\"seq\":").Append(seq).Append(",' chain.jsonl   # doit afficher 1\n");
            md.Append("openssl ts -verify -digest ").Append(anchor.HeadHash).Append(" -in ").Append(EvidenceBundleFiles.Token(anchor.Seq))
                .Append(" -token_in -CAfile ").Append(EvidenceBundleFiles.TsaRoot).Append(" -untrusted ").Append(EvidenceBundleFiles.TsaSigners).Append('\n');
        }
        if (bundle.Anchors.Count == 0)
        {
            md.Append("# aucun jeton dans ce dossier\n");
        }
        md.Append("```\n\n");
        md.Append(
            """
            `openssl` doit répondre `Verification: OK`. Pour lire la date d'un jeton :
            `openssl ts -reply -in timestamps/<seq>.tsr -token_in -text`.

            La racine `tsa/root.pem` est fournie par le dossier lui-même : comparez son empreinte
            (`openssl x509 -in tsa/root.pem -noout -fingerprint -sha256`) avec celle que publie l'autorité
            d'horodatage (pour l'horodatage intégré du hub, le fichier `timestamping/root.pem` de son répertoire de
            données ; pour un prestataire qualifié, la liste de confiance européenne).

            ## 4. La dernière entrée de la séance est horodatée

            Le numéro (`seq`) de la dernière ligne de `ledger.jsonl` doit être inférieur ou égal au plus grand `seq`
            de `timestamps/index.json`.

            """);
        if (bundle.AnchoringProblem is not null || !bundle.Manifest.Anchored)
        {
            md.Append(
                """
                **Attention : les dernières entrées de ce dossier ne sont pas encore horodatées** (l'autorité
                d'horodatage n'a pas répondu lors de l'export). Elles restent chaînées, mais aucun jeton ne prouve
                encore leur date : exportez de nouveau le dossier plus tard.

                """);
        }
        md.Append(
            """
            ## Vérification automatique

            Le hub fait toutes ces vérifications d'un coup : `dotnet run --project src/Hub -- verify <dossier.zip>`
            (code de sortie 0 si tout est intègre, 1 sinon, 2 si le fichier n'est pas un dossier de preuves).

            """);
        return md.ToString();
    }
}
