#!/usr/bin/env bash
# `make test-deploy`: build and run the suite in containers on this machine, then tear it down.
#  1. Debian's docker.io, docker-compose and debootstrap (installed when missing);
#  2. dockerd, started in the background when none answers (no systemd here), stopped at the end;
#  3. stand-ins for python:3.11-slim and postgres:15 when no registry is reachable
#     (deploy/standins/build.sh; the debootstrap base is cached under var/deploy);
#  4. the wheelhouse (deploy/wheelhouse.sh) and every service image with INSTALL=wheelhouse:
#     the offline build, since pip inside a build here cannot verify the index's certificate;
#  5. deploy/tests (pytest): compose config, compose up, journey, restart, compose down.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
cache=var/deploy
mkdir -p "$cache"
uv="${UV:-uv}"
SUDO=$( [ "$(id -u)" = 0 ] || echo sudo )

step() { echo "== test-deploy: $* ($(( $(date +%s) - started )) s)"; }

step "system packages"
if ! [ -x /usr/bin/docker ] || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi
# Debian's client matches Debian's daemon (another docker on PATH may be a newer, unrelated client)
export DOCKER=/usr/bin/docker COMPOSE=docker-compose COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0

dockerd_pid=""
cleanup() {
  if [ -n "$dockerd_pid" ]; then
    step "stopping the dockerd this run started"
    $SUDO kill "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
  fi
}
trap cleanup EXIT
if ! $SUDO $DOCKER info >/dev/null 2>&1; then
  step "starting dockerd (log: $cache/dockerd.log)"
  $SUDO dockerd >"$cache/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do $SUDO $DOCKER info >/dev/null 2>&1 && break; sleep 1; done
  $SUDO $DOCKER info >/dev/null 2>&1 || { tail -20 "$cache/dockerd.log"; exit 1; }
fi

step "base images (python:3.11-slim, postgres:15)"
if [ "${SEALFLOW_DEPLOY_STANDINS:-auto}" = never ]; then
  $DOCKER image inspect python:3.11-slim postgres:15 >/dev/null
else
  deploy/standins/build.sh "$cache"
fi

step "wheelhouse"
UV="$uv" deploy/wheelhouse.sh

services=()
for d in services/*/; do
  name="$(basename "$d")"
  [ -f "$d/migrations/env.py" ] && compgen -G "$d/src/*/main.py" >/dev/null && services+=("$name")
done
step "images: ${services[*]}"
for s in "${services[@]}"; do
  $DOCKER build -q -f deploy/Dockerfile --build-arg SERVICE="$s" --build-arg INSTALL=wheelhouse \
    -t "sealflow/$s" . >/dev/null
  echo "sealflow/$s: $($DOCKER image inspect --format '{{.Size}}' "sealflow/$s" | awk '{printf "%d MB", $1/1e6}')"
done

$DOCKER image prune -f >/dev/null  # the images earlier runs built and this one replaced

step "compose journey (deploy/tests)"
status=0
$uv run pytest deploy/tests -p no:cacheprovider || status=$?
step "done, exit $status"
exit $status
