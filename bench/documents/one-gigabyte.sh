#!/usr/bin/env bash
# Uploads a 1 GiB PDF to a hub running on its embedded defaults (Release build, own data directory), downloads it back,
# and prints the hub's resident memory (VmRSS) and peak (VmHWM) from /proc before, after the upload, after the download.
#   bench/documents/one-gigabyte.sh [size in MiB, default 1024]
set -euo pipefail
cd "$(dirname "$0")/../.."
size_mb="${1:-1024}"
work="$(mktemp -d)"
key="bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
port=5187
trap 'kill "${hub:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

dotnet build -c Release src/Hub -v q -nologo >/dev/null
Hub__DataDirectory="$work/data" Hub__BootstrapApiKey="$key" ASPNETCORE_URLS="http://127.0.0.1:$port" \
    dotnet src/Hub/bin/Release/net10.0/IntegrationHub.dll >"$work/hub.log" 2>&1 &
hub=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done

api() { curl -sS --fail-with-body -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
id() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
memory() { grep -E 'VmRSS|VmHWM' "/proc/$hub/status" | awk -v when="$1" '{printf "%s %s %.1f MB\n", when, $1, $2/1024}'; }

authority=$(api -X POST "http://127.0.0.1:$port/api/authorities" -d '{"name":"Commune de Banc-d-Essai","kind":"commune","population":1200,"siren":"213401235","departmentCode":"34"}' | id)
assembly=$(api -X POST "http://127.0.0.1:$port/api/authorities/$authority/assemblies" -d '{"name":"Conseil municipal","kind":"council"}' | id)
session=$(api -X POST "http://127.0.0.1:$port/api/assemblies/$assembly/sessions" \
    -d '{"startsAt":"2027-06-24T18:30","place":"Mairie","urgent":false,"items":[{"title":"Budget"}]}' | id)

# A PDF signature, then zeros, exactly size_mb MiB in all (the default limit per document is 1024 MiB): the hub
# checks the signature, stores and streams the bytes.
{ printf '%%PDF-1.7\n'; head -c "$((size_mb * 1024 * 1024 - 16))" /dev/zero; printf '\n%%%%EOF\n'; } >"$work/big.pdf"
expected=$(sha256sum "$work/big.pdf" | cut -d' ' -f1)

memory idle
start=$(date +%s.%N)
document=$(curl -sS --fail-with-body -H "Authorization: Bearer $key" -F "file=@$work/big.pdf;type=application/pdf" -F kind=annex \
    "http://127.0.0.1:$port/api/sessions/$session/documents" | id)
upload=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
memory after-upload
rm "$work/big.pdf"
start=$(date +%s.%N)
actual=$(curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/api/documents/$document/content" | sha256sum | cut -d' ' -f1)
download=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
memory after-download
echo "upload ${upload} s, download ${download} s, ${size_mb} MiB, sha256 $( [ "$expected" = "$actual" ] && echo identical || echo DIFFERENT )"
[ "$expected" = "$actual" ]
