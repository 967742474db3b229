# syntax=docker/dockerfile:1
#
# The backupctl container image: a release build of backupctl on a slim Debian with CA
# certificates, run as the unprivileged user 10001.
#
#   docker build -t ghcr.io/backup-sdk/backupctl:0.1.0 \
#     --build-arg BACKUPCTL_GIT_COMMIT="$(git describe --always --dirty --exclude='*')" .
#   docker run --rm ghcr.io/backup-sdk/backupctl:0.1.0 --version
#
# ghcr.io/backup-sdk/backupctl:<workspace version> is the image deploy/kubernetes/cronjob.yaml
# runs; crates/backupctl/tests/deploy.rs checks that this file, the CronJob and the
# workspace version agree. The build context has no .git (.dockerignore), so the commit
# `backupctl --version` shows comes from the BACKUPCTL_GIT_COMMIT build argument.
#
# The runtime image keeps a shell (/bin/sh) on purpose: the CronJob computes each pod's
# shard with shell arithmetic, `--shard $((JOB_COMPLETION_INDEX+1))/N`, which Kubernetes
# itself does not evaluate.

ARG RUST_IMAGE=rust:1.95-slim-trixie
ARG RUNTIME_IMAGE=debian:trixie-slim

# Every manifest and the lockfile, with each Rust file replaced by a stub: this stage's
# output changes only when a manifest does, so the dependency layer below stays cached
# across source changes (BuildKit compares the copied files' contents, not their times).
FROM ${RUST_IMAGE} AS skeleton
WORKDIR /src
COPY . .
RUN find . -name '*.rs' -exec sh -c \
      'for f; do printf "%s\n" "//! A stub for the dependency layer." "#![allow(dead_code)]" "fn main() {}" > "$f"; done' \
      sh {} + \
 && find . -type f ! -name '*.rs' ! -name Cargo.toml ! -name Cargo.lock ! -path './.cargo/*' -delete

FROM ${RUST_IMAGE} AS builder
WORKDIR /src
COPY --from=skeleton /src/ ./
# The dependency layer: every crate backupctl needs, at the versions Cargo.lock pins.
RUN cargo build --release --locked -p backupctl
COPY . .
# COPY keeps the context's modification times, which are older than the stubs built
# above: without the touch cargo would take the stubs as up to date.
RUN find crates xtask tests -name '*.rs' -exec touch {} +
ARG BACKUPCTL_GIT_COMMIT=
RUN cargo build --release --locked -p backupctl \
 && install -m 0755 target/release/backupctl /usr/local/bin/backupctl \
 && /usr/local/bin/backupctl --version

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.1.0
ARG BACKUPCTL_GIT_COMMIT=
# backupctl trusts its bundled roots and --ca-cert files; the system bundle is here for
# tools and for --ca-cert /etc/ssl/certs/ca-certificates.crt.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 backupctl \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/backupctl \
      --no-create-home --shell /usr/sbin/nologin backupctl \
 && install -d -o 10001 -g 10001 -m 0750 /var/lib/backupctl
COPY --from=builder /usr/local/bin/backupctl /usr/local/bin/backupctl
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
WORKDIR /var/lib/backupctl
ENV HOME=/var/lib/backupctl
ENTRYPOINT ["backupctl"]
CMD ["--help"]
LABEL org.opencontainers.image.title="backupctl" \
      org.opencontainers.image.description="Start, track and verify backups on NAVER Cloud, OceanBase OCP and Huawei Cloud GES" \
      org.opencontainers.image.source="https://github.com/backup-sdk/backup-sdk-rust" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${BACKUPCTL_GIT_COMMIT}"
