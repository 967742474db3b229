#!/usr/bin/env bash
# Client instructions per call under callgrind (issue 15): floor, floor plus the vendor's
# required work (`*_floor_plus`) and SDK. See src/bin/instructions.rs. Needs valgrind.
# Usage: ./instructions.sh [CALLS]
set -euo pipefail
cd "$(dirname "$0")"
calls=${1:-2000}
cargo build --release --bin instructions --bin canned_server >&2
bin=${CARGO_TARGET_DIR:-target}/release
"$bin/canned_server" > /tmp/instructions-server.$$ &
server=$!
trap 'kill $server 2>/dev/null; rm -f /tmp/instructions-server.$$' EXIT
for _ in $(seq 50); do grep -q port= /tmp/instructions-server.$$ && break; sleep 0.1; done
port=$(sed -n 's/^port=//p' /tmp/instructions-server.$$ | head -1)
base="http://127.0.0.1:$port"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin/instructions" "$1" "$2" "$base" 2>&1 \
    | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
per_call() { echo $(( ($(count "$1" "$calls") - $(count "$1" 0)) / calls )); }
echo "| call | floor (instructions per call) | floor + required | SDK | SDK ÷ floor | SDK ÷ floor+required |"
echo "|---|---|---|---|---|---|"
for vendor in ncp_floor:ncp_vhadoop_backup_cluster_configuration ocp_floor:ocp_backup_now ges_floor:ges_create_backup; do
  floor=$(per_call "${vendor%%:*}"); plus=$(per_call "${vendor%%:*}_plus"); sdk=$(per_call "${vendor##*:}")
  echo "| ${vendor##*:} | $floor | $plus | $sdk | $(python3 -c "print(f'{$sdk/$floor:.2f}×')") | $(python3 -c "print(f'{$sdk/$plus:.2f}×')") |"
done
