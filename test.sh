#!/usr/bin/env bash
# Runs every test of the solution on a fresh Debian 12 machine or a developer's one.
#   ./test.sh                          all tests
#   ./test.sh --filter "FullyQualifiedName~Members"   any extra argument goes to `dotnet test`
# Prints one closing line `N passed, N failed, N skipped` summed over all test assemblies, and exits
# non-zero when a test failed, when no test ran, or when the build or a test host failed.
set -euo pipefail

cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Debian packages the tests run for real: a throwaway PostgreSQL cluster, an SMTP server (aiosmtpd),
# and the browser for UI tests.
packages=(postgresql python3-aiosmtpd dovecot-imapd chromium clamav-daemon openssl)

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

install_missing_packages() {
    local missing=() pkg sudo=()
    for pkg in "${packages[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    if ! command -v apt-get >/dev/null; then
        echo "test.sh: missing ${missing[*]} and no apt-get here: install them by hand." >&2
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    echo "test.sh: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    if [[ " ${missing[*]} " == *" postgresql "* ]]; then
        just_installed_postgres=1
    fi
}

# Installing the package may start Debian's own cluster on port 5432. The tests start a private cluster
# on a free port (tests/TestSupport/Postgres/PostgresServer.cs), so the system one only costs memory
# and would answer anything that connected to the default port by mistake. A developer's own running
# cluster is left alone: it was there before and does not clash with the tests' port.
stop_system_postgres() {
    command -v pg_lsclusters >/dev/null || return 0
    local sudo=() version name port status _
    if [ "$(id -u)" -ne 0 ]; then
        sudo=(sudo)
    fi
    while read -r version name port status _; do
        if [ "$status" = online ]; then
            echo "test.sh: stopping the system PostgreSQL cluster $version/$name (port $port)"
            "${sudo[@]}" pg_ctlcluster "$version" "$name" stop
        fi
    done < <(pg_lsclusters --no-header)
}

just_installed_postgres=0
install_missing_packages
if [ "$just_installed_postgres" = 1 ] || [ "${CI:-}" = true ]; then
    stop_system_postgres
fi

results="$PWD/TestResults"
rm -rf "$results"

test_status=0
dotnet test IntegrationHub.sln \
    --results-directory "$results" \
    --logger "trx;LogFilePrefix=tests" \
    "$@" || test_status=$?

python=/usr/bin/python3
[ -x "$python" ] || python=python3

# Counters of each test run (one .trx per test assembly). The trx logger leaves its "notExecuted"
# counter at 0 for skipped xunit tests: they only show as total - executed. Errors, time-outs and
# aborted runs count as failures.
summary=$("$python" - "$results" <<'PY'
import pathlib, sys, xml.etree.ElementTree as ET

ns = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
passed = failed = skipped = 0
for trx in sorted(pathlib.Path(sys.argv[1]).rglob("*.trx")):
    counters = ET.parse(trx).getroot().find(f"{ns}ResultSummary/{ns}Counters")
    if counters is None:
        failed += 1
        continue
    count = lambda name: int(counters.get(name, "0"))
    passed += count("passed")
    failed += count("failed") + count("error") + count("timeout") + count("aborted")
    skipped += max(count("total") - count("executed"), count("notExecuted"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
)
echo "$summary"

read -r passed _ failed _ skipped _ <<<"$summary"
if [ "$test_status" -ne 0 ]; then
    echo "test.sh: dotnet test exited with $test_status" >&2
    exit "$test_status"
fi
if [ "$failed" -ne 0 ]; then
    exit 1
fi
if [ "$passed" -eq 0 ]; then
    echo "test.sh: no test ran (skipped tests do not count)" >&2
    exit 1
fi
