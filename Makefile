# Outage Replay — `make help` lists the commands.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: help run test lint superuser setup prereqs browser bench clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

prereqs:
	@scripts/check-prereqs.sh "$(PYTHON)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@scripts/check-prereqs.sh "$(PYTHON)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ with npm (e.g. apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Hashed, gzip- and brotli-compressed static files for DEBUG=0 (WhiteNoise serves them).
staticfiles/staticfiles.json: $(shell find static -type f) $(VENV)/.installed node_modules/.installed
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --noinput --clear -v 0

setup: prereqs $(VENV)/.installed node_modules/.installed staticfiles/staticfiles.json ## Install dependencies, migrate, load the shipped scenarios, collect static files
	@mkdir -p .state
	@$(PY) manage.py migrate --noinput -v 0
	@$(PY) manage.py load_library

run: setup ## Start Redis, daphne and a Celery worker on http://127.0.0.1:$(PORT)/
	@exec $(PY) scripts/run.py

superuser: setup ## Create an admin (staff) user
	$(PY) manage.py createsuperuser

browser:
	@scripts/check-browser.sh

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy simulation

test: setup browser lint ## Lint and run the whole suite (unit, integration, browser)
	$(PY) -m pytest

bench: setup ## Run the benchmarks in bench/ (prints figures)
	@for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean: ## Remove the venv, node_modules and local state
	rm -rf $(VENV) node_modules .state staticfiles artifacts
