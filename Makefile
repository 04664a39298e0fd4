# Everything a newcomer needs: `make demo` serves the tracker with the seed article,
# `make test` runs the whole suite. Both build .venv themselves from the pinned requirements.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo serve test test-postgres lint format check clean venv venv-dev

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

## demo: migrate, load the seed article, make the demo users, serve on 127.0.0.1:8000
demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_demo_users
	$(PY) manage.py runserver $(HOST):$(PORT)

## test: the whole suite (SQLite unless DATABASE_URL points at PostgreSQL)
test: venv-dev
	$(PY) -m pytest $(PYTEST_ARGS)

## test-postgres: the suite on the local PostgreSQL server
test-postgres: venv-dev
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/factcheck} $(PY) -m pytest $(PYTEST_ARGS)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: venv-dev
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache
