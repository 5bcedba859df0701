#!/usr/bin/env bash
# The booking page under load, and what a visitor downloads on first view.
#
# Builds BookMate for release, starts it on a fresh SQLite database against
# the Google emulator as a process of its own (whose control API counts
# Google calls), creates the host /ada (bench/seed-host.mjs), warms
# the busy-time cache, then:
#   1. first-view bytes: the page's HTML, CSS and icon (the month view has no
#      island, so no JS or WASM), raw, gzipped and as a browser gets them
#      (Accept-Encoding: br, gzip); then what the booking form adds (its
#      island's script, WASM and lazy chunk);
#   2. wrk, 64 connections: the landing page (the shell's floor), the SSR
#      booking page, the slots server function, and a static file served by
#      the same server (the ceiling), and the same file from a minimal Rust
#      server (bench/static-baseline: axum on tokio, nothing
#      else), the machine's own ceiling;
#   3. the server's resident memory after the runs, by mapping.
# Run `cargo xtask setup` once first (cargo-leptos, npm packages, Chromium).
#
# usage: bench/load.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20}"
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bookmate/target}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }

LEPTOS_HASH_FILES=true cargo leptos build --release --split --precompress >&2
cargo build --release --locked -p google-emulator >&2
cargo build --release --locked -p static-baseline >&2
data="$(mktemp -d)"
address=127.0.0.1:3999
base="http://$address"
google="http://127.0.0.1:3998"
"$CARGO_TARGET_DIR/release/google-emulator" --port 3998 --redirect-uri "$base/auth/google/callback" >"$data/google.log" 2>&1 &
emulator=$!
BOOKMATE_DATA_DIR="$data" DATABASE_URL="sqlite://$data/bookmate.db" BOOKMATE_BIND_ADDR="$address" BOOKMATE_PUBLIC_URL="$base" \
  GOOGLE_CLIENT_ID=bookmate-dev.apps.googleusercontent.com GOOGLE_CLIENT_SECRET=bookmate-dev-secret \
  GOOGLE_ISSUER_URL="$google" GOOGLE_CALENDAR_API_URL="$google/calendar/v3" BOOKMATE_TRUSTED_PROXIES=127.0.0.1 \
  LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=bookmate LEPTOS_HASH_FILES=true RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/server" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server $emulator 2>/dev/null; wait $server $emulator 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.2; done
node bench/seed-host.mjs "$base" >&2
page="$base/ada?tz=America/New_York"
curl -sf "$page" >/dev/null # warms the busy-time cache (one freebusy.query)

# Prints a row per file (raw, gzip, and brotli-or-gzip as a browser asks)
# and their total.
sizes() {
  echo "| file | raw bytes | gzip bytes | br, gzip bytes |"
  echo "| --- | ---: | ---: | ---: |"
  local total_raw=0 total_gzip=0 total_br=0 path raw gzip br
  for path in "$@"; do
    raw=$(curl -sf -o /dev/null -w '%{size_download}' "$base$path")
    gzip=$(curl -sf -H 'Accept-Encoding: gzip' -o /dev/null -w '%{size_download}' "$base$path")
    br=$(curl -sf -H 'Accept-Encoding: br, gzip' -o /dev/null -w '%{size_download}' "$base$path")
    total_raw=$((total_raw + raw)) total_gzip=$((total_gzip + gzip)) total_br=$((total_br + br))
    echo "| \`$path\` | $raw | $gzip | $br |"
  done
  echo "| **total** | **$total_raw** | **$total_gzip** | **$total_br** |"
  echo
}
# The islands a page has besides HydrationMark: the island loader fetches
# the script and WASM only where there is one.
islands_of() { curl -sf "$base$1" | grep -o 'data-component="[A-Za-z]*_' | grep -vc HydrationMark_ || true; }

echo "## First view of /ada (the zone detector then reloads it as $page)"
echo
stylesheet=$(curl -sf "$page" | grep -oE '/pkg/bookmate\.[A-Za-z0-9_-]+\.css' | head -1)
sizes /ada "/ada?tz=America/New_York" "$stylesheet" /favicon.svg
echo "Islands besides the hydration mark, so script and WASM loaded: $(islands_of /ada) on \`/ada\`, $(islands_of "/ada?tz=America/New_York") in the visitor's zone."
echo
# The month's last day with times, then its first time, as a visitor picks
# them: the booking form's island.
link_to() { grep -oE "href=\"[^\"]*$1" | sed 's/^href="//; s/&amp;/\&/g' || true; }
day=$(curl -sf "$page" | link_to '&amp;day=[0-9-]+' | tail -1)
form=$([ -z "$day" ] || curl -sf "$base$day" | link_to '&amp;slot=[0-9]+' | head -1)
if [ -n "$form" ]; then
  # The loader's script and WASM, wasm-split's loader, and the chunks of the
  # form's lazy island (from the split manifest).
  loaded=$(curl -sf "$base$form" | grep -oE '"/pkg/bookmate\.[A-Za-z0-9_-]+\.(js|wasm)"' | tr -d '"')
  split=$(find target/site/pkg -name '__wasm_split.*.js' -printf '/pkg/%f\n' | head -1)
  manifest=$(find target/site/pkg -name '__wasm_split_manifest.*.json' | head -1)
  chunks=$(python3 -c 'import json, sys
manifest = json.load(open(sys.argv[1]))
print(" ".join(f"/pkg/{chunk}.wasm" for name, chunks in manifest.items() if name.startswith("booking_form_loader") for chunk in chunks))' "$manifest")
  echo "## Then the booking form ($form): what it adds, the stylesheet being cached ($(islands_of "$form") island)"
  echo
  # shellcheck disable=SC2086 # one path per word
  sizes "$form" $loaded "$split" $chunks
else
  echo "(No free time left this month: the booking form was not measured.)"
  echo
fi

run() {
  echo "### $1"
  echo
  echo '```'
  shift
  wrk -t2 -c64 -d"${duration}s" --latency "$@" | sed -n '/Latency Distribution/,$p'
  echo '```'
  echo
}
echo "## Load: wrk -t2 -c64 -d${duration}s"
echo
run "Landing page, the shell's own floor (GET /)" -s bench/visitors.lua "$base/"
run "SSR booking page (GET $page)" -s bench/visitors.lua "$page"
run "Slots server function (POST /api/booking_page)" -s bench/booking_page.lua "$base/api/booking_page"
run "Static file, the ceiling (GET $stylesheet)" "$base$stylesheet"
# The same file from a bare axum server, started only now so that it takes
# no core from the runs above.
"$CARGO_TARGET_DIR/release/static-baseline" 127.0.0.1:3997 "target/site$stylesheet" &
baseline=$!
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:3997/ && break; sleep 0.1; done
run "The same file from a minimal Rust server (axum on tokio, bench/static-baseline)" "http://127.0.0.1:3997$stylesheet"
kill $baseline; wait $baseline 2>/dev/null || true
echo "## The server's memory after the runs"
echo
echo '```'
grep -E '^(VmRSS|VmHWM|RssAnon|RssFile|Threads):' "/proc/$server/status"
echo "resident KB by mapping (anonymous: the heap, thread stacks, the allocator's segments):"
awk '/^[0-9a-f]+-[0-9a-f]+ /{name=$6} /^Rss:/{rss[name==""?"[anonymous]":name]+=$2} END{for (n in rss) if (rss[n] >= 1024) printf "  %8d %s\n", rss[n], n}' "/proc/$server/smaps" | sort -rn | head -12
echo '```'
echo
echo "freebusy.query calls during the whole run: $(curl -sf "$google/__emulator/calls" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("freebusy", 0))')"
