#!/bin/sh
# `serve` (default) runs the service; `migrate` applies its migrations (compose one-shot, k8s init container).
# /app/service/app names the service's app factory (written at build time from services/$SERVICE/src).
set -eu
case "${1:-serve}" in
  migrate) exec python -m sealkit.migrations /app/service ;;
  serve) exec uvicorn --factory "$(cat /app/service/app)" --http sealkit.server:ProblemHttpProtocol --host 0.0.0.0 --port "${PORT:-8000}" \
           --workers "${SEALFLOW_WORKERS:-1}" --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
           --no-access-log ;;
  *) exec "$@" ;;
esac
