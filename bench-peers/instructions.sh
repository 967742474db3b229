#!/usr/bin/env bash
# Client instructions per call under callgrind (issue 15): floor, floor plus the vendor's
# required work (`*_floor_plus`) and SDK. See src/bin/instructions.rs. Needs valgrind.
#
# A second table gives callgrind's cycle estimate from the same runs (its cache and branch
# simulation): instructions + 10 x (L1 misses + mispredicted branches) + 100 x last-level
# misses. Instructions alone undercount code that misses the instruction cache and
# mispredicts, as the SDK's own, many-small-functions work does more than hashing.
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
# Prints "instructions estimated-cycles" for CALL run N times.
count() {
  valgrind --tool=callgrind --cache-sim=yes --branch-sim=yes --callgrind-out-file=/dev/null \
      "$bin/instructions" "$1" "$2" "$base" 2>&1 | python3 -c '
import re, sys
text = sys.stdin.read()
names = re.search(r"Events\s*:\s*(.*)", text).group(1).split()
values = map(int, re.search(r"Collected\s*:\s*(.*)", text).group(1).split())
e = dict(zip(names, values))
l1 = e["I1mr"] + e["D1mr"] + e["D1mw"]
ll = e["ILmr"] + e["DLmr"] + e["DLmw"]
print(e["Ir"], e["Ir"] + 10 * (l1 + e["Bcm"] + e["Bim"]) + 100 * ll)'
}
# Prints "instructions estimated-cycles" per call: N calls minus set-up alone.
per_call() {
  read -r i0 c0 < <(count "$1" 0)
  read -r i1 c1 < <(count "$1" "$calls")
  echo $(( (i1 - i0) / calls )) $(( (c1 - c0) / calls ))
}
rows_i=(); rows_c=()
for vendor in ncp_floor:ncp_vhadoop_backup_cluster_configuration ocp_floor:ocp_backup_now ges_floor:ges_create_backup; do
  read -r fi fc < <(per_call "${vendor%%:*}")
  read -r pi pc < <(per_call "${vendor%%:*}_plus")
  read -r si sc < <(per_call "${vendor##*:}")
  row() { python3 -c "f,p,s=$2,$3,$4; print(f'| $1 | {f} | {p} | {s} | {s/f:.2f}× | {p/f:.2f}× | {s/p:.2f}× |')"; }
  rows_i+=("$(row "${vendor##*:}" "$fi" "$pi" "$si")")
  rows_c+=("$(row "${vendor##*:}" "$fc" "$pc" "$sc")")
done
for table in i c; do
  if [ $table = i ]; then echo "Instructions per call"; else echo; echo "Estimated cycles per call (callgrind's cache and branch model)"; fi
  echo
  echo "| call | floor | floor + required | SDK | SDK ÷ floor | floor + required ÷ floor | SDK ÷ floor + required |"
  echo "|---|---|---|---|---|---|---|"
  if [ $table = i ]; then printf '%s\n' "${rows_i[@]}"; else printf '%s\n' "${rows_c[@]}"; fi
done
