#!/usr/bin/env bash
# Footprint (issue 15): distinct crates per vendor crate, and for a one-call program on one
# vendor crate next to its aws-sdk-s3 equivalent, the clean debug build time and the
# stripped release binary size. Prints markdown tables at the end.
#
#   bench-peers/footprint.sh                     # everything (two clean debug builds: minutes)
#   bench-peers/footprint.sh --no-clean-builds   # skip the clean debug builds
#
# Distinct crates: `cargo tree -e normal -p CRATE --prefix none` lists every crate reached
# through normal dependency edges (proc-macros included, since they are normal
# dependencies; build-script-only helpers such as `cc` and dev-dependencies left out), one
# line per occurrence. Each line starts `NAME vVERSION`; the count is the number of distinct
# NAME+VERSION pairs, the crate itself included, so two versions of one crate count twice.
# The "with build deps" column adds `-e build` edges: what a clean build compiles.
# Vendor crates are counted in the main workspace (its Cargo.lock), the one-call programs in
# bench-peers' own workspace (its Cargo.lock). Only the host target's dependencies count.
#
# Clean builds run in a fresh temporary CARGO_TARGET_DIR under /tmp, deleted afterwards; the
# release builds for the binary size use the caller's CARGO_TARGET_DIR (or bench-peers/target)
# and `strip` a copy. Build times are wall times of `cargo build` with the machine's default
# parallelism: on a shared machine they are noisy, so say what else was running.
set -euo pipefail

clean_builds=1
for arg in "$@"; do
    case "$arg" in
        --no-clean-builds) clean_builds=0 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "unknown argument $arg (see --help)" >&2; exit 2 ;;
    esac
done

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"

# distinct_crates MANIFEST PACKAGE EDGES
distinct_crates() {
    cargo tree --locked --manifest-path "$1" -p "$2" -e "$3" --prefix none \
        | awk 'NF >= 2 { print $1, $2 }' | sort -u | wc -l
}

vendor_rows=()
for crate in ncp-vhadoop ncp-vcache ocp-ob-backup hw-ges-backup; do
    normal=$(distinct_crates "$root/Cargo.toml" "$crate" normal)
    with_build=$(distinct_crates "$root/Cargo.toml" "$crate" normal,build)
    verdict=$([ "$normal" -le 95 ] && echo yes || echo no)
    vendor_rows+=("| \`$crate\` | $normal | $with_build | $verdict |")
    echo "counted $crate: $normal" >&2
done

program_rows=()
tmp_targets=()
cleanup() { for dir in "${tmp_targets[@]}"; do rm -rf "$dir"; done; }
trap cleanup EXIT

release_target="${CARGO_TARGET_DIR:-$here/target}"
for program in one-call-ncp one-call-s3; do
    normal=$(distinct_crates "$here/Cargo.toml" "$program" normal)
    with_build=$(distinct_crates "$here/Cargo.toml" "$program" normal,build)

    build_time="skipped (--no-clean-builds)"
    if [ "$clean_builds" = 1 ]; then
        tmp_target="$(mktemp -d /tmp/footprint-target.XXXXXX)"
        tmp_targets+=("$tmp_target")
        echo "clean debug build of $program in $tmp_target ..." >&2
        start=$(date +%s.%N)
        CARGO_TARGET_DIR="$tmp_target" CARGO_INCREMENTAL=0 \
            cargo build --locked --quiet --manifest-path "$here/Cargo.toml" -p "$program"
        end=$(date +%s.%N)
        build_time=$(awk -v s="$start" -v e="$end" 'BEGIN { t = e - s; printf "%d:%04.1f", int(t / 60), t - 60 * int(t / 60) }')
        echo "$program: clean debug build $build_time" >&2
        rm -rf "$tmp_target"
    fi

    echo "release build of $program ..." >&2
    CARGO_TARGET_DIR="$release_target" \
        cargo build --locked --quiet --release --manifest-path "$here/Cargo.toml" -p "$program"
    stripped="$(mktemp /tmp/footprint-bin.XXXXXX)"
    strip -o "$stripped" "$release_target/release/$program"
    bytes=$(stat -c %s "$stripped")
    rm -f "$stripped"
    mib=$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')
    echo "$program: stripped release binary $mib MiB" >&2

    program_rows+=("| \`$program\` | $normal | $with_build | $build_time | $mib MiB ($bytes bytes) |")
done

cat <<EOF

Distinct crates per vendor crate (\`cargo tree -e normal\`, NAME+VERSION pairs, the crate itself included; main workspace Cargo.lock):

| crate | distinct crates (normal) | with build deps | ≤ 95 (issue 15)? |
|---|---|---|---|
$(printf '%s\n' "${vendor_rows[@]}")

One-call programs (bench-peers/footprint/*; bench-peers Cargo.lock; $(rustc --version)):

| program | distinct crates (normal) | with build deps | clean debug build (m:ss, wall) | stripped release binary |
|---|---|---|---|---|
$(printf '%s\n' "${program_rows[@]}")
EOF
