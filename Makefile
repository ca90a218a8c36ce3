# Sealflow: `make run` starts the suite on SQLite; `make test` runs lint and every test on PostgreSQL.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
SUB ?= alice
ROLES ?= applicant,approver
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/sealflow

.DEFAULT_GOAL := help
.PHONY: help deps system-deps postgres run demo test test-deploy lint fmt openapi bench token web test-web screenshots

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

deps: ## install uv (via pip) and the locked Python packages
	@python3 -m uv --version >/dev/null 2>&1 || command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --all-packages --quiet

system-deps: ## install the Debian packages the tests need (Dovecot for the mail rig, nats-server for the broker-restart test, wrk for benchmarks, Chromium for the web)
	@if ! command -v dovecot >/dev/null || ! command -v wrk >/dev/null || ! command -v chromium >/dev/null \
	  || ! command -v nats-server >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    dovecot-imapd dovecot-lmtpd wrk chromium nats-server >/dev/null; fi
	@command -v dovecot >/dev/null && echo "system packages: ok"

postgres: ## check that PostgreSQL answers on 127.0.0.1:5432 (start the local cluster if it is installed)
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { \
	  command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	  sleep 2; pg_isready -h 127.0.0.1 -p 5432; } || { echo "PostgreSQL is not answering on 127.0.0.1:5432"; exit 1; }

run: deps ## start every service (SQLite under ./var, mail bridge in local mode); Ctrl-C stops
	$(UV) run python scripts/suite.py run

demo: deps ## walk the whole journey (uses the running suite, or starts one on free ports); fails if a step does not happen
	$(UV) run python scripts/demo.py

lint: deps ## ruff (lint + format check) and mypy strict
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy shared/src shared/tests scripts tests deploy/tests $(wildcard bench/*.py)
	@# each service's tests/ is a package named `tests`, so every service is checked on its own
	@for s in services/*/; do echo "mypy $$s"; $(UV) run mypy $$s/src $$s/tests || exit 1; done
	$(UV) run mypy web/e2e
	@# the console: tsc --strict and eslint, with types from the services' current OpenAPI documents
	@if command -v npm >/dev/null; then $(UV) run python scripts/web_console.py lint; \
	  else echo "node/npm not found: the web console's tsc and eslint were skipped"; fi

fmt: deps ## format and auto-fix
	$(UV) run ruff format .
	$(UV) run ruff check --fix .

test: deps system-deps postgres lint ## lint, then every test against PostgreSQL (throwaway databases)
	@# one pytest process per test tree: every service's tests/ is a package named `tests`
	@failed=""; for d in shared services/*/ tests; do echo "== pytest $$d"; \
	  SEALFLOW_TEST_DATABASE_URL=$(PG_URL) $(UV) run pytest $$d || failed="$$failed $$d"; done; \
	  $(MAKE) --no-print-directory test-web || failed="$$failed web"; \
	  if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi; echo "all test trees passed"

web: deps ## build the web console into web/dist (npm ci, types from the services' OpenAPI, vite build)
	$(UV) run python scripts/web_console.py build

test-web: deps system-deps postgres ## the web console in Debian's Chromium (headless) against the suite on PostgreSQL
	SEALFLOW_TEST_DATABASE_URL=$(PG_URL) $(UV) run python web/e2e/run_suite.py

screenshots: deps system-deps postgres ## run the browser tests and keep their screenshots in docs/screenshots
	SEALFLOW_TEST_DATABASE_URL=$(PG_URL) SEALFLOW_SCREENSHOTS=$(CURDIR)/docs/screenshots $(UV) run python web/e2e/run_suite.py

test-deploy: deps ## build every image and run the suite in Docker: compose up, journey, restart, down
	bash deploy/test-deploy.sh

openapi: deps ## export each service's OpenAPI document to docs/openapi/<service>.json (a test checks it)
	$(UV) run python scripts/export_openapi.py

bench: deps system-deps postgres ## run the benchmarks (prints figures next to the same-run ceiling)
	@for b in bench/approval.py bench/ticketing.py bench/orders.py bench/mail_bridge.py bench/broker.py; do \
	  [ -f $$b ] && { echo "== $$b"; $(UV) run python $$b || exit 1; }; done; true

token: deps ## print a dev JWT: make token SUB=alice ROLES=approver
	@$(UV) run python -m sealkit.tokens $(SUB) $(ROLES)
