#!/usr/bin/env bash
# make fuzz: schemathesis against a real server on a throwaway PostgreSQL database.
#
# Starts gunicorn on a fresh database (migrated, demo data and demo users loaded), runs
# schemathesis on every operation of /api/v1/schema/ with an editor's token (so writes
# really happen), positive and negative data, every phase including the stateful one,
# with a random seed it prints. Fails on any server error or schema violation. The
# server is stopped and the database dropped afterwards, whatever happened.
#
# Knobs (environment): FUZZ_SEED (replay a run), FUZZ_EXAMPLES (cases per operation and
# phase, default 30), FUZZ_MIN_CASES (default 5000), FUZZ_DB (default fc_fuzz_run),
# FUZZ_PG (server URL without database), FUZZ_PORT, FUZZ_WORKERS (server workers, default 2),
# FUZZ_CLIENTS (schemathesis workers, default 1), FUZZ_PHASES (default all four).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PY:-.venv/bin/python}
SCHEMATHESIS=${SCHEMATHESIS:-.venv/bin/schemathesis}
PG=${FUZZ_PG:-postgres://postgres@127.0.0.1:5432}
DB=${FUZZ_DB:-fc_fuzz_run}
EXAMPLES=${FUZZ_EXAMPLES:-30}
MIN_CASES=${FUZZ_MIN_CASES:-5000}
WORKERS=${FUZZ_WORKERS:-2}
# One schemathesis worker: with two threads, CPython 3.11's ast.parse (which hypothesis runs to
# describe filters) fails now and then with "AST constructor recursion depth mismatch".
CLIENTS=${FUZZ_CLIENTS:-1}
PHASES=${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}
SEED=${FUZZ_SEED:-$("$PY" -c 'import secrets; print(secrets.randbelow(2**31))')}
PORT=${FUZZ_PORT:-$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
OUT=var/fuzz
BASE=http://127.0.0.1:$PORT

# Refuse any database name that could be real data: this script drops it at the end.
case "$DB" in
  fc_fuzz_*|*_fuzz_run) ;;
  *) echo "fuzz: FUZZ_DB must look like fc_fuzz_* (it is dropped afterwards), not $DB" >&2; exit 2 ;;
esac

export DATABASE_URL=$PG/$DB
export DJANGO_ENV=development DJANGO_DEBUG=false
# Every request carries the editor's token; the anonymous limit (60/minute) would only
# turn schemathesis' unauthenticated probes into 429s and hide what comes after them.
export FACTCHECK_THROTTLE_ANON=1000000/hour FACTCHECK_THROTTLE_USER=1000000/hour

psql_admin() { psql "$PG/postgres" -v ON_ERROR_STOP=1 -qAtc "$1"; }

SERVER_PID=
cleanup() {
  status=$?
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql_admin "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" || true
  echo "fuzz: server stopped, database $DB dropped" >&2
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT"
echo "fuzz: seed $SEED (replay with FUZZ_SEED=$SEED make fuzz)"
psql_admin "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
psql_admin "CREATE DATABASE \"$DB\""
"$PY" manage.py migrate --noinput >/dev/null
"$PY" manage.py load_demo >/dev/null
"$PY" manage.py ensure_demo_users --base-url "$BASE" >/dev/null
TOKEN=$("$PY" manage.py shell -c "
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
print(Token.objects.get_or_create(user=get_user_model().objects.get(username='editor'))[0].key)" | tail -n 1)

"$PY" -m gunicorn factcheck.wsgi --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --timeout 60 >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
echo "fuzz: server pid $SERVER_PID on $BASE, log in $OUT/server.log"

started=$(date +%s)
set +e
"$SCHEMATHESIS" run "$BASE/api/v1/schema/?format=json" \
  --url "$BASE" \
  --wait-for-schema 60 \
  --header "Authorization: Token $TOKEN" \
  --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
  --phases "$PHASES" \
  --mode all \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --workers "$CLIENTS" \
  --continue-on-failure \
  --request-timeout 60 \
  --suppress-health-check all \
  --no-color \
  --report ndjson,junit --report-dir "$OUT" \
  2>&1 | tee "$OUT/schemathesis.log"
result=${PIPESTATUS[0]}
set -e
elapsed=$(( $(date +%s) - started ))

# The cases schemathesis generated and sent, from its summary ("Test cases: N generated, ...").
cases=$(sed -n 's/^ *\([0-9][0-9]*\) generated.*/\1/p' "$OUT/schemathesis.log" | tail -n 1)
cases=${cases:-0}
if [ "$result" -eq 0 ] && [ "$cases" -lt "$MIN_CASES" ]; then
  echo "fuzz: only $cases cases, fewer than $MIN_CASES; raise FUZZ_EXAMPLES" >&2
  result=1
fi
echo "fuzz: seed $SEED, $cases cases, $elapsed s, exit $result"
exit "$result"
