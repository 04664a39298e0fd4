# Everything a newcomer needs: `make demo` serves the tracker with the seed article,
# `make test` runs the whole suite. Both build .venv themselves from the pinned requirements.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_LOGINS ?= var/demo-logins.txt

.PHONY: demo serve test test-postgres lint format check clean venv venv-dev help

## help: list these targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

## demo: migrate, load the seed article, serve on 127.0.0.1:8000 (PORT=8001 moves it), then
##       print the logins (also in var/demo-logins.txt); Ctrl-C stops, `make clean` resets
demo: venv
	$(PY) scripts/demo.py --host $(HOST) --port $(PORT) --logins-file $(DEMO_LOGINS)

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

## clean: remove .venv, the demo database and logins (var/), test artifacts: a fresh start
clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache

# ---------------------------------------------------------------------------- benchmarks
# bench/ is the performance engineer's: see bench/RESULTS.md. Both targets install what they
# need (wrk from Debian, Datasette 0.65 in its own venv) and use their own databases
# (factcheck_bench_*), never factcheck or test_*.
BENCH_VENV := var/bench-venv
N ?= 10000
BENCH_ARGS ?= --duration 8 --rounds 3 --csv --writes 200

.PHONY: bench bench-smoke bench-tools

$(BENCH_VENV)/.installed: requirements-bench.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $@

bench-tools: venv $(BENCH_VENV)/.installed
	command -v wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
	command -v pgbench >/dev/null 2>&1 || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-contrib >/dev/null; }

## bench: generate N claims (default 10000) in factcheck_bench_N, load tracker and Datasette
bench: bench-tools
	$(PY) bench/generate.py --claims $(N) --verify
	$(PY) bench/run.py --claims $(N) $(BENCH_ARGS)
	$(PY) bench/run.py --report

## bench-smoke: 2k claims, every step for one second; fails on any mismatch or error
bench-smoke: bench-tools
	timeout 300 $(PY) bench/generate.py --claims 2000 --db factcheck_bench_smoke --verify
	timeout 300 $(PY) bench/run.py --claims 2000 --db factcheck_bench_smoke --duration 1 \
		--rounds 1 --csv --writes 10 --strict --out bench/out/smoke.json

# ---------------------------------------------------------------------------- fuzzing
.PHONY: fuzz

## fuzz: schemathesis on every API operation (writes too) against gunicorn on a throwaway
## PostgreSQL database (fc_fuzz_run), random seed printed; FUZZ_SEED=N replays a run
fuzz: venv-dev
	scripts/fuzz.sh
