#!/bin/sh
# `serve` (default) runs the service; `migrate` applies its migrations (compose one-shot, k8s init container).
set -eu
case "$SEALFLOW_SERVICE" in
  approval) app=sealflow_approval.main:create_app ;;
  ticketing) app=sealflow_ticketing.main:create_app ;;
  mail-bridge) app=sealflow_mail.main:create_app ;;
  *) echo "unknown SEALFLOW_SERVICE=$SEALFLOW_SERVICE" >&2; exit 2 ;;
esac
case "${1:-serve}" in
  migrate) exec python -m sealkit.migrations /app/service ;;
  serve) exec uvicorn --factory "$app" --http sealkit.server:ProblemHttpProtocol --host 0.0.0.0 --port "${PORT:-8000}" \
           --workers "${SEALFLOW_WORKERS:-1}" --proxy-headers --no-access-log ;;
  *) exec "$@" ;;
esac
