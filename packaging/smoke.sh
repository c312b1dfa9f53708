#!/usr/bin/env bash
# Smoke-test a built bundle: bash packaging/smoke.sh [dist/sesdesk]
#
# Everything runs the bundle's own executable, in a throw-away HOME, SESDESK_HOME and
# XDG_DATA_HOME, with a file keyring (no desktop keyring needed) and no display (offscreen Qt):
#   1. `sesdesk --version`
#   2. the window in demo mode until the dashboard shows the demo team, then it quits by itself
#      (SESDESK_STARTUP_PROBE=ready)
#   3. `sesdesk simulator --port 0`, then the CLI against it: team create, status --json (no
#      mailer), connect, status --refresh --json (SESv2 GetAccount: the sandbox quota), identity add
#   4. --install-desktop-entry / --uninstall-desktop-entry (desktop-file-validate and
#      appstreamcli validate when installed)
# Exits non-zero at the first failure. Needs python3 (to read the JSON answers).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
bundle="$(cd "${1:-$here/dist/sesdesk}" && pwd)"
exe="$bundle/sesdesk"
[[ -x "$exe" ]] || { echo "smoke: no executable at $exe (build it: bash packaging/build.sh)" >&2; exit 2; }

scratch="$(mktemp -d "${TMPDIR:-/tmp}/sesdesk-smoke.XXXXXX")"
sim_pid=""
cleanup() {
  if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
trap cleanup EXIT

export HOME="$scratch/home"
export XDG_DATA_HOME="$scratch/data"
export XDG_CONFIG_HOME="$scratch/config"
export SESDESK_HOME="$scratch/sesdesk"
export PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring"
export QT_QPA_PLATFORM="offscreen"
unset AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_PROFILE SESDESK_STARTUP_PROBE
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME"

step() { echo "smoke: $*" >&2; }
fail() { echo "smoke: FAILED: $*" >&2; exit 1; }
json_get() {  # json_get FILE EXPRESSION  (EXPRESSION over `d`, the parsed document)
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

step "1. version"
version="$("$exe" --version)"
[[ "$version" == "sesdesk "* ]] || fail "--version printed '$version'"
step "   $version"

step "2. the window in demo mode until the dashboard shows"
SESDESK_HOME="$scratch/demo-home" SESDESK_STARTUP_PROBE=ready timeout 120 "$exe" --demo \
  > "$scratch/demo.out" 2> "$scratch/demo.err" || {
  cat "$scratch/demo.out" "$scratch/demo.err" >&2
  fail "the demo window exited with an error"
}
grep -q '^ready .* team=Demo shop$' "$scratch/demo.out" || {
  cat "$scratch/demo.out" "$scratch/demo.err" >&2
  fail "the demo dashboard never showed"
}
step "   $(tr '\n' ' ' < "$scratch/demo.out")"

step "3. the SES simulator and the command line"
"$exe" simulator --port 0 > "$scratch/sim.out" 2> "$scratch/sim.err" &
sim_pid=$!
endpoint=""
for _ in $(seq 300); do
  endpoint="$(sed -n 's/^endpoint: //p' "$scratch/sim.out")"
  [[ -n "$endpoint" ]] && break
  kill -0 "$sim_pid" 2>/dev/null || { cat "$scratch/sim.err" >&2; fail "the simulator died"; }
  sleep 0.1
done
[[ "$endpoint" == http://127.0.0.1:* ]] || fail "the simulator printed no endpoint"
step "   simulator at $endpoint"

"$exe" team create smoke >/dev/null
"$exe" status --team smoke --json > "$scratch/status0.json"
[[ "$(json_get "$scratch/status0.json" 'd["mailer"]')" == "None" ]] || fail "a new team has a mailer"
[[ "$(json_get "$scratch/status0.json" 'd["can"]["broadcast"]["allowed"]')" == "False" ]] \
  || fail "a team with no mailer may broadcast"

export AWS_ENDPOINT_URL="$endpoint"
printf 'AKIAIOSFODNN7EXAMPLE\nwJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n' \
  | "$exe" connect --team smoke --region eu-west-1 --stdin > "$scratch/connect.out" 2>&1 \
  || { cat "$scratch/connect.out" >&2; fail "connect"; }
"$exe" status --team smoke --refresh --json > "$scratch/status1.json"
[[ "$(json_get "$scratch/status1.json" 'd["mailer"]["access"]')" == "ok" ]] || fail "access not ok"
[[ "$(json_get "$scratch/status1.json" 'int(d["account"]["quota"]["max_24h"])')" == "200" ]] \
  || fail "GetAccount did not give the sandbox quota"
"$exe" identity add --team smoke hello@example.com > /dev/null
"$exe" identity list --team smoke --json > "$scratch/identities.json"
[[ "$(json_get "$scratch/identities.json" '[i["name"] for i in d]')" == "['hello@example.com']" ]] \
  || fail "identity add"
unset AWS_ENDPOINT_URL
kill "$sim_pid"
wait "$sim_pid" || fail "the simulator did not stop cleanly"
sim_pid=""
step "   team create, status, connect, status --refresh (GetAccount), identity add: ok"

step "4. launcher entry"
"$exe" --install-desktop-entry > "$scratch/install.out"
desktop="$XDG_DATA_HOME/applications/io.github.sesdesk.sesdesk.desktop"
metainfo="$XDG_DATA_HOME/metainfo/io.github.sesdesk.sesdesk.metainfo.xml"
[[ -f "$desktop" && -f "$metainfo" ]] || fail "desktop entry or metainfo not written"
grep -qxF "Exec=$exe" "$desktop" || fail "Exec does not point at $exe: $(grep ^Exec= "$desktop")"
for size in 16 24 32 48 64 128 256 512; do
  [[ -s "$XDG_DATA_HOME/icons/hicolor/${size}x${size}/apps/io.github.sesdesk.sesdesk.png" ]] \
    || fail "no ${size}px icon"
done
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net --pedantic "$metainfo" >&2 || fail "appstreamcli validate"
fi
"$exe" --uninstall-desktop-entry > /dev/null
left="$(find "$XDG_DATA_HOME" -name 'io.github.sesdesk.sesdesk*')"
[[ -z "$left" ]] || fail "left behind after uninstall: $left"
step "   install, validate, uninstall: ok"
echo "smoke: all checks passed ($bundle)"
