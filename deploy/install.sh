#!/bin/sh
# Build stage of deploy/Dockerfile: install one service and the kit into /app/.venv, and lay out
# /app/service (alembic.ini, migrations/, and `app`: the uvicorn factory the entrypoint runs).
#   install.sh locked|wheelhouse SERVICE
set -eu
mode="$1" service="$2"
src="services/$service"
main="$(ls "$src"/src/*/main.py 2>/dev/null | head -1)"
[ -n "$main" ] || { echo "no services/$service/src/<package>/main.py" >&2; exit 2; }
package="$(basename "$(dirname "$main")")"
case "$mode" in
  locked)
    pip install --no-cache-dir uv
    uv sync --frozen --no-dev --no-editable --package "sealflow-$service"
    ;;
  wheelhouse)
    wheels=deploy/wheelhouse
    [ -f "$wheels/requirements-$service.txt" ] \
      || { echo "INSTALL=wheelhouse: run deploy/wheelhouse.sh first ($wheels/requirements-$service.txt is missing)" >&2; exit 2; }
    python -m venv /app/.venv
    # the locked third-party set, hash-checked, then the workspace's own wheels (built from this tree)
    /app/.venv/bin/pip install --no-cache-dir --no-index --find-links "$wheels" --require-hashes \
      -r "$wheels/requirements-$service.txt"
    /app/.venv/bin/pip install --no-cache-dir --no-index --no-deps \
      "$wheels"/sealkit-*.whl "$wheels/$(echo "sealflow-$service" | tr - _)"-*.whl
    /app/.venv/bin/python -m compileall -q /app/.venv/lib
    ;;
  *) echo "INSTALL must be locked or wheelhouse, not $mode" >&2; exit 2 ;;
esac
mkdir -p /app/service
cp "$src/alembic.ini" /app/service/alembic.ini
cp -r "$src/migrations" /app/service/migrations
echo "$package.main:create_app" > /app/service/app
/app/.venv/bin/python -c "import $package.main"
