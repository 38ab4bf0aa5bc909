#!/usr/bin/env bash
# Build arxiv-radar's container image with podman and try it for real: `arxiv-radar demo`, then
# `arxiv-radar serve` (the image's default command) answering /health and the demo's papers.
#
#   scripts/container-smoke.sh base   # once, as root: make the base image locally (no registry)
#   scripts/container-smoke.sh        # build the Dockerfile on it, run demo, serve, /health
#
# `base` debootstraps a minimal Debian bookworm (Python 3.11, venv, ca-certificates) from the
# machine's apt mirror and imports it as $BASE_IMAGE, trusting the certificate authorities this
# machine trusts (so that pip reaches the package index through the same proxy, if any). The
# build itself installs arxiv-radar and its dependencies with pip from the package index.
#
# Environment:
#   BASE_IMAGE      the base image (default localhost/arxiv-radar-base:bookworm)
#   DEBIAN_MIRROR   the mirror for `base` (default: the first of the machine's apt sources)
#   OCI_RUNTIME     podman's OCI runtime (default: runc when installed, else podman's own)
#   SMOKE_PORT      the port on 127.0.0.1 the server is published on (default 18080)
#
# Exit status: 0 when every check passed, non-zero at the first failure, with its reason.
set -euo pipefail

BASE_IMAGE=${BASE_IMAGE:-localhost/arxiv-radar-base:bookworm}
SMOKE_PORT=${SMOKE_PORT:-18080}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

say() { printf 'container-smoke: %s\n' "$*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

command -v podman >/dev/null || fail "podman is not installed (apt-get install -y podman)"

# Flags that let containers start on hosts without CAP_SYS_RESOURCE: podman's default
# ulimits for root (nofile and nproc 1048576) exceed what such a host may grant, and runc
# copes with a cgroup v1/v2 hybrid where crun refuses it.
runtime_flags=()
if [[ -n ${OCI_RUNTIME:-} ]]; then
    runtime_flags=(--runtime "$OCI_RUNTIME")
elif command -v runc >/dev/null; then
    runtime_flags=(--runtime runc)
fi
nofile=$(ulimit -Hn)
if [[ $nofile == unlimited || $nofile -gt 65536 ]]; then nofile=65536; fi
limits=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=4096:4096")

make_base() {
    command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install -y debootstrap)"
    [[ $(id -u) == 0 ]] || fail "making the base image needs root (debootstrap)"
    local mirror=${DEBIAN_MIRROR:-}
    if [[ -z $mirror ]]; then
        mirror=$(grep -rhoE '^(URIs:|deb) +[a-z]+://[^ ]+/debian/?( |$)' \
            /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
            grep -oE '[a-z]+://[^ ]+' | head -n 1 || true)
        mirror=${mirror:-http://deb.debian.org/debian}
    fi
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    say "debootstrap bookworm from $mirror"
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python-is-python3,ca-certificates \
        bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
        { tail -n 20 "$work/debootstrap.log" >&2; fail "debootstrap failed"; }
    cp /etc/ssl/certs/ca-certificates.crt "$work/root/etc/ssl/certs/ca-certificates.crt"
    rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
    tar -C "$work/root" -c . | podman import \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
    say "base image $BASE_IMAGE made"
}

if [[ ${1:-} == base ]]; then
    make_base
    exit 0
fi
[[ $# -eq 0 ]] || fail "unknown argument '$1' (give 'base' or nothing)"

podman image exists "$BASE_IMAGE" ||
    fail "no base image $BASE_IMAGE: make it with 'scripts/container-smoke.sh base'"

suffix=$$-$RANDOM
tag=localhost/arxiv-radar-smoke:$suffix
volume=arxiv-radar-smoke-$suffix
server=arxiv-radar-smoke-$suffix
cleanup() {
    podman rm -f "$server" >/dev/null 2>&1 || true
    podman volume rm -f "$volume" >/dev/null 2>&1 || true
    podman image rm -f "$tag" >/dev/null 2>&1 || true
}
trap cleanup EXIT
run() { podman "${runtime_flags[@]}" run --rm "${limits[@]}" "$@"; }

say "building $tag on $BASE_IMAGE"
# --no-cache: with the build stage taken from podman's layer cache, its /wheels cannot be
# bind-mounted into the runtime stage ("couldn't find .../merged/wheels on host").
podman "${runtime_flags[@]}" build --no-cache --format docker "${limits[@]}" \
    --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$tag" "$ROOT" >&2 || fail "the image does not build"

user=$(podman image inspect "$tag" --format '{{.Config.User}}')
[[ $user == radar:radar ]] || fail "the image runs as '$user', not radar:radar"
version=$(run "$tag" --version) || fail "arxiv-radar --version does not run"
say "image runs: $version"

say "arxiv-radar demo in the container (offline data shipped with the package)"
run -v "$volume:/data" "$tag" demo >&2 || fail "arxiv-radar demo failed in the container"
run -v "$volume:/data" --entrypoint test "$tag" -s /data/arxiv-radar-demo/feeds/rss.xml ||
    fail "the demo wrote no feed"

say "arxiv-radar serve on 127.0.0.1:$SMOKE_PORT over the demo's store"
podman "${runtime_flags[@]}" run -d --name "$server" "${limits[@]}" \
    -p "127.0.0.1:$SMOKE_PORT:8000" -v "$volume:/data" "$tag" \
    serve --host 0.0.0.0 --port 8000 --config arxiv-radar-demo/arxiv-radar-demo.toml \
    --db arxiv-radar-demo/arxiv-radar.db >/dev/null ||
    fail "the server container does not start"
health=""
for _ in $(seq 1 60); do
    if health=$(curl -fsS -m 2 "http://127.0.0.1:$SMOKE_PORT/health" 2>/dev/null); then
        break
    fi
    sleep 1
done
[[ $health == *'"status":"ok"'* ]] || {
    podman logs "$server" >&2 || true
    fail "/health did not answer ok: '$health'"
}
say "/health: $health"
papers=$(curl -fsS -m 5 "http://127.0.0.1:$SMOKE_PORT/api/papers") || fail "/api/papers failed"
[[ $papers == *'"arxiv_id"'* ]] || fail "/api/papers lists no paper: ${papers:0:200}"
printf 'container-smoke: ok (%s; demo, serve, /health, /api/papers)\n' "$version"
