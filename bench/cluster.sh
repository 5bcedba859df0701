#!/usr/bin/env bash
# BookMate as the README's production section runs it when one process is
# not enough: PostgreSQL, BookMate processes sharing it, and Debian's nginx
# balancing between them (round robin, keep-alive to the upstreams, health
# through /readyz being the operator's choice). Measures the booking page
# through the balancer with one process behind it, then with two, and
# straight from one process without the balancer, in one run.
#
# Builds BookMate for release first; installs wrk, nginx and PostgreSQL from
# Debian when they are missing. Run `cargo xtask setup` once first
# (cargo-leptos, npm packages, Chromium for seeding the host).
#
# usage: bench/cluster.sh [seconds per run, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-20}"
export PATH="$PWD/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bookmate/target}"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v pg_lsclusters >/dev/null || missing+=(postgresql)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  service nginx stop >/dev/null 2>&1 || true
fi

# PostgreSQL: Debian's first cluster, a role and a fresh database of our own.
read -r pg_version pg_name pg_port pg_state _ < <(pg_lsclusters --no-header | head -1)
[ "$pg_state" = online ] || pg_ctlcluster "$pg_version" "$pg_name" start
as_postgres() { (cd / && runuser -u postgres -- "$@"); }
if [ "$(as_postgres psql -p "$pg_port" -tAc "select 1 from pg_roles where rolname = 'bookmate'")" != 1 ]; then
  as_postgres psql -p "$pg_port" -qc "create role bookmate login createdb password 'bookmate'"
fi
as_postgres psql -p "$pg_port" -qc "drop database if exists bookmate_cluster_bench" -qc "create database bookmate_cluster_bench owner bookmate"
database_url="postgres://bookmate:bookmate@127.0.0.1:$pg_port/bookmate_cluster_bench"

LEPTOS_HASH_FILES=true cargo leptos build --release --split --precompress >&2
cargo build --release --locked -p google-emulator >&2
data="$(mktemp -d)"
balancer=127.0.0.1:3990
base="http://$balancer"
google="http://127.0.0.1:3998"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait "${pids[@]}" 2>/dev/null || true; rm -rf "$data"' EXIT
"$CARGO_TARGET_DIR/release/google-emulator" --port 3998 --redirect-uri "$base/auth/google/callback" >"$data/google.log" 2>&1 &
pids+=($!)
start_bookmate() { # port
  BOOKMATE_DATA_DIR="$data" DATABASE_URL="$database_url" BOOKMATE_BIND_ADDR="127.0.0.1:$1" BOOKMATE_PUBLIC_URL="$base" \
    BOOKMATE_SECRET_KEY=cluster-bench-secret-key-0123456789abcdef \
    GOOGLE_CLIENT_ID=bookmate-dev.apps.googleusercontent.com GOOGLE_CLIENT_SECRET=bookmate-dev-secret \
    GOOGLE_ISSUER_URL="$google" GOOGLE_CALENDAR_API_URL="$google/calendar/v3" BOOKMATE_TRUSTED_PROXIES=127.0.0.1 \
    LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=bookmate LEPTOS_HASH_FILES=true RUST_LOG=warn \
    "$CARGO_TARGET_DIR/release/server" >"$data/server-$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null && return; sleep 0.2; done
  echo "BookMate on port $1 did not become ready:" >&2; cat "$data/server-$1.log" >&2; exit 1
}
start_bookmate 4001
start_bookmate 4002

# nginx with the upstreams given; reloaded in place between the runs.
nginx_config() { # upstream ports…
  local servers=""
  for port in "$@"; do servers+="server 127.0.0.1:$port; "; done
  cat >"$data/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $data/nginx.pid;
error_log $data/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $data/body; proxy_temp_path $data/proxy;
  fastcgi_temp_path $data/fastcgi; uwsgi_temp_path $data/uwsgi; scgi_temp_path $data/scgi;
  upstream bookmate { $servers keepalive 64; }
  server {
    listen $balancer;
    location / {
      proxy_pass http://bookmate;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
EOF
}
nginx_config 4001 4002
/usr/sbin/nginx -e "$data/nginx-error.log" -p "$data" -c "$data/nginx.conf" &
pids+=($!)
for _ in $(seq 50); do curl -sf "$base/readyz" >/dev/null && break; sleep 0.1; done

node bench/seed-host.mjs "$base" >&2
page="$base/ada?tz=America/New_York"
curl -sf "$page" >/dev/null
curl -sf "http://127.0.0.1:4001/ada?tz=America/New_York" >/dev/null
curl -sf "http://127.0.0.1:4002/ada?tz=America/New_York" >/dev/null

run() {
  echo "### $1"
  echo
  echo '```'
  shift
  wrk -t2 -c64 -d"${duration}s" --latency "$@" | sed -n '/Latency Distribution/,$p'
  echo '```'
  echo
}
echo "## Booking page through nginx: wrk -t2 -c64 -d${duration}s"
echo
run "Two processes behind nginx (GET $page)" -s bench/visitors.lua "$page"
nginx_config 4001
/usr/sbin/nginx -p "$data" -c "$data/nginx.conf" -s reload
sleep 1
run "One process behind nginx" -s bench/visitors.lua "$page"
run "One process, no balancer (GET http://127.0.0.1:4001/ada?tz=America/New_York)" -s bench/visitors.lua "http://127.0.0.1:4001/ada?tz=America/New_York"
echo "freebusy.query calls during the whole run: $(curl -sf "$google/__emulator/calls" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("freebusy", 0))')"
