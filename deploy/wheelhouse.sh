#!/usr/bin/env bash
# Prepare deploy/wheelhouse/ for `docker build --build-arg INSTALL=wheelhouse` (an offline build):
# the locked third-party set (uv export --frozen, with the lock's hashes) downloaded as wheels for
# CPython 3.11, one requirements file per service, and wheels of the workspace's own packages.
# Run it where the package index is reachable; the build itself then needs no network.
#   deploy/wheelhouse.sh [service ...]     (default: every service under services/)
set -euo pipefail
cd "$(dirname "$0")/.."
out=deploy/wheelhouse
uv="${UV:-uv}"
services=("$@")
if [ ${#services[@]} -eq 0 ]; then
  for d in services/*/; do [ -f "$d/pyproject.toml" ] && services+=("$(basename "$d")"); done
fi
rm -rf "$out" && mkdir -p "$out"
for s in "${services[@]}"; do
  $uv export --quiet --frozen --no-dev --no-emit-workspace --package "sealflow-$s" -o "$out/requirements-$s.txt"
done
$uv export --quiet --frozen --no-dev --no-emit-workspace --all-packages -o "$out/requirements-all.txt"
python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
  --implementation cp --require-hashes -r "$out/requirements-all.txt" -d "$out" 2>"$out/pip.log" \
  || { cat "$out/pip.log" >&2; exit 1; }
$uv build --quiet --wheel --all-packages -o "$out" 2>>"$out/pip.log" || { cat "$out/pip.log" >&2; exit 1; }
rm -f "$out"/*.tar.gz "$out/.gitignore"
echo "wheelhouse: $(ls "$out"/*.whl | wc -l) wheels in $out"
