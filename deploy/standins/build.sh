#!/usr/bin/env bash
# Build local stand-ins for the two official base images the deploy files name, python:3.11-slim
# and postgres:15, for a machine that can reach Debian's packages but no image registry.
#
#   deploy/standins/build.sh [cache dir]      (default var/deploy; make test-deploy calls it)
#
# The root file system is a `debootstrap --variant=minbase` of bookworm from the machine's own
# Debian mirror (read from its apt sources), kept as a tarball in the cache dir so later runs skip
# it. An image is rebuilt only when its recipe here changed (the recipe's hash is a label on it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${1:-var/deploy}"
mkdir -p "$cache"
cache="$(cd "$cache" && pwd)"
docker="${DOCKER:-docker}"

recipe_hash() { (cd "$here/$1" && cat $(ls | sort) | sha256sum | cut -c1-16); }

image_label() { "$docker" image inspect --format '{{ index .Config.Labels "org.sealflow.recipe" }}' "$1" 2>/dev/null || true; }

debian_mirror() {
  # the first main-archive URI this machine's apt uses (deb822 or one-line sources)
  local uri
  uri="$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- -security | head -1)"
  [ -n "$uri" ] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v -- -security | head -1)"
  [ -n "$uri" ] || { echo "no Debian mirror found in the apt sources" >&2; return 1; }
  echo "$uri"
}

base_image() {
  local tarball="$cache/bookworm-minbase.tar.gz"
  if "$docker" image inspect sealflow/bookworm-base >/dev/null 2>&1; then return; fi
  if [ ! -s "$tarball" ]; then
    local root mirror
    root="$(mktemp -d "$cache/rootfs.XXXXXX")"
    mirror="$(debian_mirror)"
    echo "debootstrap bookworm (minbase) → $tarball"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
      || { tail -20 "$cache/debootstrap.log" >&2; rm -rf "$root"; return 1; }
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar -C "$root" -czf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  echo "docker import $tarball → sealflow/bookworm-base"
  "$docker" import --change 'CMD ["bash"]' "$tarball" sealflow/bookworm-base >/dev/null
}

standin() {  # standin <recipe dir> <image name>
  local hash
  hash="$(recipe_hash "$1")"
  if [ "$(image_label "$2")" = "$hash" ]; then echo "$2: up to date"; return; fi
  base_image
  echo "building stand-in $2"
  "$docker" build -q --label "org.sealflow.recipe=$hash" -t "$2" "$here/$1" >/dev/null
}

standin python python:3.11-slim
standin postgres postgres:15
